"""Form glue: domain errors shown beside their field, and the hidden token that makes a form idempotent."""

from __future__ import annotations

from django import forms

from core.errors import DomainError
from core.idempotency import form_token


def apply_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Show a service's refusal on the form: beside `error.field` if the form has it, else on top.

    Lists of messages in `details` keyed by other fields of the form (what `ValidationFailed`
    carries) are shown beside those fields too.
    """
    if error.field and error.field in form.fields:
        form.add_error(error.field, error.message)
    else:
        form.add_error(None, error.message)
    for name, messages in (error.details or {}).items():
        if name != error.field and name in form.fields and isinstance(messages, list | tuple):
            for message in messages:
                form.add_error(name, str(message))


class IdempotentFormMixin(forms.Form):
    """Adds the hidden per-render token that `core.idempotency.run_once` reads (`idempotency_token`).

    Works with model forms too: `class GadgetForm(IdempotentFormMixin, forms.ModelForm)`.
    """

    idempotency_token = forms.CharField(widget=forms.HiddenInput, required=False, initial=form_token)
