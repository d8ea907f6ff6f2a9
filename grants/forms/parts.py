"""Forms of an application's parts: budget lines, covered trials, documents, clarification answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import IdempotentFormMixin
from core.forms_money import MoneyFormField
from grants import validators as v
from grants.enums import DocumentKind, TrialPhase
from grants.forms._common import DateInput, label, with_empty
from grants.models import BudgetLine, CoveredTrial, Document, Program


class BudgetLineForm(forms.Form):
    category = forms.ChoiceField(label=_("Cost category"))
    description = forms.CharField(label=label(BudgetLine, "description"), max_length=500)
    # No lower bound here: "above zero" is the service's rule and its message.
    amount = MoneyFormField(label=label(BudgetLine, "amount"), min_value=None)

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("— cost category —")), *categories]
        self.fields["description"].widget.attrs["placeholder"] = _("Description")
        self.fields["amount"].widget.attrs.update(
            {"class": "fc-budget-amount", "placeholder": _("Amount, ₽")}
        )

    @staticmethod
    def initial_from(line: BudgetLine) -> dict:
        return {"category": line.category.code, "description": line.description, "amount": line.amount}

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


def category_choices(program: Program) -> list[tuple[str, str]]:
    """The program's eligible categories (one query); a stale choice is refused by the service."""
    return [(c.code, c.name) for c in program.cost_categories.all() if c.is_eligible]


class TrialForm(forms.Form):
    title = forms.CharField(label=label(CoveredTrial, "title"), max_length=300, required=False)
    phase = forms.ChoiceField(label=label(CoveredTrial, "phase"), choices=with_empty(TrialPhase.choices))
    nct_id = forms.CharField(
        label=label(CoveredTrial, "nct_id"),
        max_length=40,
        required=False,
        validators=[v.validate_nct],
        help_text=_("NCT followed by 8 digits"),
    )
    permission_number = forms.CharField(
        label=label(CoveredTrial, "permission_number"),
        max_length=100,
        required=False,
        validators=[v.validate_permission_number],
        help_text=_("From the Ministry of Health register of trial permissions"),
    )
    permission_date = forms.DateField(
        label=label(CoveredTrial, "permission_date"),
        required=False,
        widget=DateInput(),
        validators=[v.validate_not_future],
    )
    planned_enrolment = forms.IntegerField(
        label=label(CoveredTrial, "planned_enrolment"), required=False, min_value=1
    )
    start_date = forms.DateField(label=label(CoveredTrial, "start_date"), required=False, widget=DateInput())
    end_date = forms.DateField(label=label(CoveredTrial, "end_date"), required=False, widget=DateInput())

    def clean_phase(self) -> str:
        # The service names a missing phase with its own message; pass the choice through.
        return self.cleaned_data.get("phase") or ""

    @staticmethod
    def initial_from(trial: CoveredTrial) -> dict:
        return {name: getattr(trial, name) for name in TrialForm.base_fields}

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=label(Document, "kind"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=label(Document, "file"),
        allow_empty_file=True,  # "the file is empty" is the service's refusal
        help_text=_("PDF, DOCX, XLSX, PNG or JPEG; the type is checked by the file's content."),
    )

    def __init__(self, *args: Any, clarification: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".pdf,.docx,.xlsx,.png,.jpg,.jpeg"
        if clarification:
            del self.fields["kind"]  # files of an answer are all of kind "clarification"
        else:
            self.fields["kind"].choices = [
                (value, text) for value, text in DocumentKind.choices if value != DocumentKind.CLARIFICATION
            ]


class ClarificationAnswerForm(IdempotentFormMixin):
    # Not required here: "write the answer" is the service's refusal, shown beside the field.
    answer = forms.CharField(
        label=_("Your answer"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
