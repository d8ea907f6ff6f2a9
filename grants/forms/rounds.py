"""Officers' forms: programs, rounds (dates in Moscow time), rubric, priority areas, date extensions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import IdempotentFormMixin
from core.forms_money import MoneyFormField
from grants.enums import NonFitPolicy, RankingBasis, SuccessEvent, TieBreak
from grants.forms._common import DateInput, MoscowDateTimeField, label
from grants.models import CostCategory, Criterion, PriorityArea, Program, Round
from grants.services.rounds import EXTENDABLE, LIVE_FIELDS


class ProgramForm(IdempotentFormMixin):
    name = forms.CharField(label=label(Program, "name"), max_length=300)
    description = forms.CharField(
        label=label(Program, "description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    rate = forms.DecimalField(
        label=label(Program, "rate"),
        max_digits=6,
        decimal_places=4,
        help_text=_("The share of verified costs paid back: above 0 and at most 1, e.g. 0.5 or 1."),
    )
    project_cap = MoneyFormField(label=label(Program, "project_cap"), min_value=None)
    cost_categories = forms.MultipleChoiceField(
        label=label(Program, "cost_categories"), widget=forms.CheckboxSelectMultiple, required=False
    )
    success_events = forms.MultipleChoiceField(
        label=label(Program, "success_events"),
        choices=SuccessEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    admits_individual_entrepreneurs = forms.BooleanField(
        label=label(Program, "admits_individual_entrepreneurs"), required=False
    )
    eligible_from = forms.DateField(label=label(Program, "eligible_from"), required=False, widget=DateInput())
    eligible_until = forms.DateField(
        label=label(Program, "eligible_until"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cost_categories"].choices = [
            (c.code, c.name) for c in CostCategory.objects.filter(is_eligible=True)
        ]

    @staticmethod
    def initial_from(program: Program) -> dict:
        initial = {name: getattr(program, name) for name in PROGRAM_FORM_FIELDS if name != "cost_categories"}
        initial["cost_categories"] = [c.code for c in program.cost_categories.all()]
        return initial


PROGRAM_FORM_FIELDS = tuple(name for name in ProgramForm.base_fields if name != "idempotency_token")


def tie_break_choices(codes: list[tuple[str, str]]) -> list[tuple[str, Any]]:
    """One select per tie-break position: a criterion of the rubric, the lower request or the earlier
    submission. Values are "criterion:<code>" or a TieBreak key."""
    choices: list[tuple[str, Any]] = [("", _("— none —"))]
    choices += [(f"criterion:{code}", f"{TieBreak.CRITERION.label}: {name}") for code, name in codes]
    choices += [(TieBreak.LOWER_REQUEST.value, TieBreak.LOWER_REQUEST.label)]
    choices += [(TieBreak.EARLIER_SUBMISSION.value, TieBreak.EARLIER_SUBMISSION.label)]
    return choices


def tie_break_value(key: dict) -> str:
    if key.get("key") == TieBreak.CRITERION:
        return f"criterion:{key.get('criterion', '')}"
    return str(key.get("key", ""))


def tie_break_key(value: str) -> dict:
    if value.startswith("criterion:"):
        return {"key": TieBreak.CRITERION.value, "criterion": value.split(":", 1)[1]}
    return {"key": value}


TIE_BREAK_SLOTS = 3


class RoundForm(IdempotentFormMixin):
    """A round's settings. Once the round is open only the live settings are offered (the service
    freezes the rubric and ranking settings, and dates move only by extension with a reason)."""

    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none(), empty_label=None)
    title = forms.CharField(label=label(Round, "title"), max_length=300)
    description = forms.CharField(
        label=label(Round, "description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    opens_at = MoscowDateTimeField(label=label(Round, "opens_at"))
    closes_at = MoscowDateTimeField(label=label(Round, "closes_at"))
    review_due_at = MoscowDateTimeField(label=label(Round, "review_due_at"))
    decision_at = MoscowDateTimeField(label=label(Round, "decision_at"))
    appeal_window_days = forms.IntegerField(label=label(Round, "appeal_window_days"), initial=30)
    budget = MoneyFormField(label=label(Round, "budget"), min_value=None)
    reviewers_per_application = forms.IntegerField(label=label(Round, "reviewers_per_application"), initial=3)
    min_load = forms.IntegerField(label=label(Round, "min_load"), initial=0)
    max_load = forms.IntegerField(label=label(Round, "max_load"), initial=10)
    total_threshold = forms.DecimalField(
        label=label(Round, "total_threshold"), max_digits=6, decimal_places=2, initial="3.00"
    )
    ranking_basis = forms.ChoiceField(
        label=label(Round, "ranking_basis"), choices=RankingBasis.choices, initial=RankingBasis.RAW
    )
    non_fit_policy = forms.ChoiceField(
        label=label(Round, "non_fit_policy"), choices=NonFitPolicy.choices, initial=NonFitPolicy.SKIP
    )
    tie_break_1 = forms.ChoiceField(label=_("Tie-break, first key"), required=False)
    tie_break_2 = forms.ChoiceField(label=_("Tie-break, second key"), required=False)
    tie_break_3 = forms.ChoiceField(label=_("Tie-break, third key"), required=False)
    with_default_rubric = forms.BooleanField(
        label=_("Start with the default rubric"),
        required=False,
        initial=True,
        help_text=_("Five criteria you can change before the round opens."),
    )

    def __init__(self, *args: Any, programs: Any = None, round_: Round | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round = round_
        if round_ is None:
            self.fields["program"].queryset = programs
            criteria = [(c["code"], c["name"]) for c in _default_rubric()]
        else:
            del self.fields["program"], self.fields["with_default_rubric"]
            criteria = [(c.code, c.name) for c in round_.criteria.all()]
            if round_.state != "draft":
                for name in list(self.fields):
                    if name not in (*LIVE_FIELDS, "idempotency_token"):
                        del self.fields[name]
        for slot in range(1, TIE_BREAK_SLOTS + 1):
            name = f"tie_break_{slot}"
            if name in self.fields:
                self.fields[name].choices = tie_break_choices(criteria)

    @staticmethod
    def initial_from(round_: Round) -> dict:
        initial = {
            name: getattr(round_, name)
            for name in RoundForm.base_fields
            if hasattr(round_, name) and not name.startswith("tie_break") and name != "program"
        }
        for slot, key in enumerate(round_.tie_break or [], start=1):
            initial[f"tie_break_{slot}"] = tie_break_value(key)
        return initial

    def service_values(self, *, changed_only: bool) -> dict:
        """The cleaned values as `round_create` / `round_update` take them."""
        data = dict(self.cleaned_data)
        data.pop("idempotency_token", None)
        data.pop("program", None)
        slots = [data.pop(f"tie_break_{slot}", None) for slot in range(1, TIE_BREAK_SLOTS + 1)]
        tie_break_changed = any(f"tie_break_{slot}" in self.changed_data for slot in range(1, 4))
        if "tie_break_1" in self.fields:
            data["tie_break"] = [tie_break_key(value) for value in slots if value]
        if changed_only:
            keep = {name for name in self.changed_data if name in data}
            if tie_break_changed:
                keep.add("tie_break")
            data = {name: value for name, value in data.items() if name in keep}
        return data


def _default_rubric() -> list[dict]:
    from grants.services import default_rubric

    return default_rubric()


class ExtendDatesForm(IdempotentFormMixin):
    """Later dates only, with a reason (rule 3). Only the dates the round's state still allows."""

    closes_at = MoscowDateTimeField(label=label(Round, "closes_at"), required=False)
    review_due_at = MoscowDateTimeField(label=label(Round, "review_due_at"), required=False)
    decision_at = MoscowDateTimeField(label=label(Round, "decision_at"), required=False)
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,  # the service asks for it with its own message
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, round_: Round, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "extend_%s")  # ids unique on the page; names plain for run_once
        kwargs.setdefault(
            "initial", {n: getattr(round_, n) for n in ("closes_at", "review_due_at", "decision_at")}
        )
        super().__init__(*args, **kwargs)
        allowed = EXTENDABLE.get(round_.state, ())
        for name in ("closes_at", "review_due_at", "decision_at"):
            if name not in allowed:
                del self.fields[name]

    def dates(self) -> dict:
        """Only the dates the officer changed: an untouched date is not an extension."""
        return {
            name: self.cleaned_data[name]
            for name in ("closes_at", "review_due_at", "decision_at")
            if name in self.fields and name in self.changed_data and self.cleaned_data.get(name)
        }


class ReasonForm(IdempotentFormMixin):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CriterionForm(forms.Form):
    code = forms.SlugField(label=label(Criterion, "code"), max_length=40)
    name = forms.CharField(label=label(Criterion, "name"), max_length=200)
    weight = forms.DecimalField(label=label(Criterion, "weight"), max_digits=5, decimal_places=3)
    scale_min = forms.DecimalField(label=_("Lowest"), max_digits=4, decimal_places=1, initial="0")
    scale_max = forms.DecimalField(label=_("Highest"), max_digits=4, decimal_places=1, initial="5")
    step = forms.DecimalField(label=_("Step"), max_digits=3, decimal_places=1, initial="0.5")
    threshold = forms.DecimalField(
        label=label(Criterion, "threshold"), max_digits=4, decimal_places=1, initial="3"
    )


class BaseRubricFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def criteria(self) -> list[dict]:
        """Rows kept (not deleted, not left blank), in order, as `round_set_rubric` takes them."""
        deleted = set(map(id, self.deleted_forms))
        rows = []
        for form in self.forms:
            if id(form) in deleted or (not form.has_changed() and not form.initial):
                continue
            rows.append({k: val for k, val in form.cleaned_data.items() if k != "DELETE"})
        return rows


RubricFormSet = forms.formset_factory(CriterionForm, formset=BaseRubricFormSet, extra=1, can_delete=True)


class AreasForm(IdempotentFormMixin):
    """One checkbox and an optional quota per priority area of the council's list."""

    def __init__(self, *args: Any, round_: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = {link.area.code: link.quota for link in round_.area_links.all()}
        self.areas = list(PriorityArea.objects.all())
        for area in self.areas:
            self.fields[f"admit_{area.code}"] = forms.BooleanField(
                label=area.name,
                required=False,
                initial=area.code in current,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            self.fields[f"quota_{area.code}"] = MoneyFormField(
                label=_("Quota, ₽"), required=False, min_value=None, initial=current.get(area.code)
            )

    def rows(self) -> list[tuple[PriorityArea, Any, Any]]:
        """(area, admit field, quota field) for the template's table."""
        return [(a, self[f"admit_{a.code}"], self[f"quota_{a.code}"]) for a in self.areas]

    def selected(self) -> list[tuple[str, Any]]:
        return [
            (area.code, self.cleaned_data.get(f"quota_{area.code}"))
            for area in self.areas
            if self.cleaned_data.get(f"admit_{area.code}")
        ]


class RoundFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from grants.enums import RoundState

        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All states")), *RoundState.choices]
