"""A small API over Gadget: policies, idempotent POSTs, workflow actions and error rendering."""

from django.db import transaction
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.enums import Role
from core.api import ActionInfoSerializer
from core.idempotency import IdempotentCreateMixin, idempotent
from core.policy import PolicyPermission
from core.workflow import available_actions, perform
from tests.testapp.models import Gadget, TaskRun
from tests.testapp.workflow import GADGET, submit_changes


class GadgetSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=15, decimal_places=2, required=False, allow_null=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Gadget
        fields = ["id", "name", "state", "amount", "allowed_actions"]
        read_only_fields = ["state"]

    def get_allowed_actions(self, gadget) -> list[dict]:
        actions = available_actions(GADGET, gadget, self.context["request"].user)
        return ActionInfoSerializer(actions, many=True).data


class GadgetViewSet(
    IdempotentCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = GadgetSerializer
    permission_classes = [PolicyPermission]
    policy = {
        "list": "gadget.list",
        "create": "gadget.create",
        "retrieve": "gadget.view",
        "submit": "gadget.view",
        "rename": "gadget.rename",
        "check": None,
    }

    def get_queryset(self):
        user = self.request.user
        gadgets = Gadget.objects.order_by("id")
        if user.role == Role.OFFICER:
            return gadgets
        return gadgets.filter(organisation_id=user.organisation_id)

    def perform_create(self, serializer):
        with transaction.atomic():
            gadget = serializer.save(
                organisation=self.request.user.organisation, created_by=self.request.user
            )
            TaskRun.objects.create(label=f"created:{gadget.pk}")

    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request, pk=None):
        gadget = perform(GADGET, self.get_object(), "submit", actor=request.user, changes=submit_changes())
        return Response(self.get_serializer(gadget).data)

    @action(detail=True, methods=["post"])
    def rename(self, request, pk=None):
        gadget = self.get_object()
        gadget.name = str(request.data.get("name", gadget.name))
        gadget.save(update_fields=["name"])
        return Response(self.get_serializer(gadget).data)

    @action(detail=False, methods=["post"])
    def check(self, request):
        # Model validation reached from a view: a Django ValidationError must become a 400, not a 500.
        Gadget(name=request.data.get("name", ""), amount=request.data.get("amount")).full_clean()
        return Response({"ok": True})
