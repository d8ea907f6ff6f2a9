"""Forms of the selection pages. They parse input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import IdempotentFormMixin
from grants.enums import AppealGround
from grants.services.appeals import MAX_APPEAL_FILES
from grants.services.decisions import lazy_text


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service like any upload."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class RunForm(IdempotentFormMixin):
    exception_reason = forms.CharField(
        label=_("Reason for running with missing reviews"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only while some eligible applications lack their submitted reviews (rule 23)."),
    )


class MinutesForm(IdempotentFormMixin):
    file = forms.FileField(label=_("Committee minutes (PDF, DOCX)"))


class PublishForm(IdempotentFormMixin):
    pass


class AppealForm(IdempotentFormMixin):
    grounds = forms.ChoiceField(label=_("Procedural ground"), choices=AppealGround.choices)
    text = forms.CharField(
        label=_("What went wrong in the procedure"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
    )
    files = MultipleFileField(
        label=_("Supporting files"),
        required=False,
        help_text=lazy_text(_("Up to %(n)s files: PDF, DOCX, XLSX, PNG or JPEG."), {"n": MAX_APPEAL_FILES}),
    )


class AppealDecisionForm(IdempotentFormMixin):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("uphold", _("Uphold: send the application to new reviewers")), ("dismiss", _("Dismiss"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason (the firm reads it)"), widget=forms.Textarea(attrs={"rows": 3}))
