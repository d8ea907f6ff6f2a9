"""Officers' screening decision and clarification request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import IdempotentFormMixin
from grants.enums import SCREENING_CHECKLIST, ScreeningOutcome
from grants.forms._common import MoscowDateTimeField


class ScreeningForm(IdempotentFormMixin):
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=ScreeningOutcome.choices, widget=forms.RadioSelect, required=False
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when ineligible, or when eligible despite an unconfirmed checklist item."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, question in SCREENING_CHECKLIST.items():
            self.fields[f"check_{key}"] = forms.BooleanField(label=question, required=False)

    def checklist_fields(self) -> list:
        return [self[f"check_{key}"] for key in SCREENING_CHECKLIST]

    def checklist(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(f"check_{key}")) for key in SCREENING_CHECKLIST}


class ClarificationRequestForm(IdempotentFormMixin):
    question = forms.CharField(
        label=_("Question to the firm"),
        required=False,  # the service asks for it with its own message
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_at = MoscowDateTimeField(label=_("Answer due"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "clarify_%s")  # ids unique on the page; names plain for run_once
        super().__init__(*args, **kwargs)
