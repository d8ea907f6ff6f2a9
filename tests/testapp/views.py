"""A page form made idempotent with the hidden token and run_once."""

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template import engines

from core.errors import DomainError
from core.forms import IdempotentFormMixin, apply_domain_error
from core.idempotency import run_once
from tests.testapp.models import Gadget, TaskRun

PAGE = engines["django"].from_string("<form method='post'>{{ form.as_div }}</form>")


class GadgetForm(IdempotentFormMixin, forms.ModelForm):
    class Meta:
        model = Gadget
        fields = ["name", "amount"]


def _create(request, form) -> HttpResponse:
    gadget = form.save(commit=False)
    gadget.organisation = request.user.organisation
    gadget.save()
    TaskRun.objects.create(label=f"created:{gadget.pk}")
    return redirect(f"/gadgets/{gadget.pk}/")


def gadget_new(request) -> HttpResponse:
    form = GadgetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            return run_once(request, lambda: _create(request, form))
        except DomainError as error:
            apply_domain_error(form, error)
    return HttpResponse(PAGE.render({"form": form}, request))
