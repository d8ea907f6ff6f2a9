"""API shapes for people and organisations. Validation only; the services decide."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Organisation, User
from accounts.validators import identifier_errors, validate_inn, validate_kpp, validate_ogrn


class KppField(serializers.CharField):
    """KPP letters are capital Latin: "7736ab001" is read as "7736AB001" before it is checked."""

    def to_internal_value(self, data) -> str:
        return super().to_internal_value(data).upper()


class OrganisationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "kind", "name", "inn"]


class OrganisationSerializer(serializers.ModelSerializer):
    """Identifiers are checked one by one and then together against the kind of legal person
    (rule 1); a wrong one gives 400 with the field named. INN uniqueness (rule 2) is the service's."""

    kpp = KppField(max_length=9, required=False, allow_blank=True, validators=[validate_kpp])

    class Meta:
        model = Organisation
        fields = [
            "id",
            "kind",
            "name",
            "inn",
            "ogrn",
            "kpp",
            "address",
            "is_individual_entrepreneur",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {
            # Without these the model's UniqueValidator would answer before the service's rule 2 message.
            "inn": {"validators": [validate_inn]},
            "ogrn": {"validators": [validate_ogrn]},
        }

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["kind"].read_only = True  # fixed at creation: people's roles depend on it
        return fields

    def validate(self, attrs: dict) -> dict:
        def current(field: str, default):
            if field in attrs:
                return attrs[field]
            return getattr(self.instance, field, default) if self.instance is not None else default

        errors = identifier_errors(
            inn=current("inn", ""),
            ogrn=current("ogrn", ""),
            kpp=current("kpp", ""),
            is_individual_entrepreneur=bool(current("is_individual_entrepreneur", False)),
        )
        if errors:
            raise serializers.ValidationError({field: [str(message)] for field, message in errors.items()})
        return attrs


class MeSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    organisation = OrganisationSummarySerializer(read_only=True, allow_null=True)
    otp_verified = serializers.SerializerMethodField(
        help_text="Whether this session passed the second factor (false for token authentication)."
    )

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "role", "organisation", "language", "otp_verified"]
        read_only_fields = fields

    def get_name(self, user: User) -> str:
        return user.get_full_name()

    def get_otp_verified(self, user: User) -> bool:
        request = self.context.get("request")
        # Only a session user carries django-otp's verification; a token never does.
        if request is None or request.auth is not None:
            return False
        is_verified = getattr(request.user, "is_verified", None)
        return bool(is_verified and is_verified())


class ApiTokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True, help_text="Send as `Authorization: Token <token>`. Shown once."
    )
    created = serializers.DateTimeField(read_only=True)
