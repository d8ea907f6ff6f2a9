"""The firm's application sections: general and drug candidate, the claim, and the page's small forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import IdempotentFormMixin
from grants import validators as v
from grants.enums import ApplicationState, ClaimKind, DevelopmentStage, Modality
from grants.forms._common import label, with_empty
from grants.models import Application, Round


def _code_validator(normalise, check):
    """A form validator from the services' own normalise/check pair; empty values pass (a draft)."""

    def validate(value: str) -> None:
        code = normalise(value or "")
        if code and (message := check(code)):
            raise forms.ValidationError(message)

    return validate


class LiveCheckMixin:
    """Each field checks itself on change (blur) through htmx: the server runs this form's validation
    for that one field and sends back the field with its message (`views.editing.field_check`)."""

    def setup_live_check(self, check_url: str) -> None:
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.HiddenInput):
                continue
            field.widget.attrs.update(
                {
                    "hx-post": check_url,
                    "hx-trigger": "change",
                    "hx-target": f"#fc-field-{self.prefix or 'f'}-{name}",
                    "hx-swap": "outerHTML",
                    "hx-include": "this",
                }
            )


class StartApplicationForm(IdempotentFormMixin):
    round = forms.ModelChoiceField(label=_("Round"), queryset=Round.objects.none(), empty_label=None)
    title = forms.CharField(label=label(Application, "title"), max_length=300)

    def __init__(self, *args: Any, rounds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = rounds


class GeneralForm(LiveCheckMixin, forms.Form):
    """Section 1: the project and the drug candidate (indication, codes, priority area, stage)."""

    title = forms.CharField(label=label(Application, "title"), max_length=300)
    drug_name = forms.CharField(label=label(Application, "drug_name"), max_length=200, required=False)
    modality = forms.ChoiceField(
        label=label(Application, "modality"), choices=with_empty(Modality.choices), required=False
    )
    mechanism = forms.CharField(
        label=label(Application, "mechanism"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    indication = forms.CharField(label=label(Application, "indication"), max_length=300, required=False)
    icd10_code = forms.CharField(
        label=label(Application, "icd10_code"),
        max_length=16,
        required=False,
        validators=[_code_validator(v.normalise_icd10, v.check_icd10)],
        help_text=_("For example C92.0"),
    )
    atc_code = forms.CharField(
        label=label(Application, "atc_code"),
        max_length=16,
        required=False,
        validators=[_code_validator(v.normalise_atc, v.check_atc)],
        help_text=_("Optional; for example L01FX"),
    )
    priority_area = forms.ChoiceField(label=label(Application, "priority_area"), required=False)
    development_stage = forms.ChoiceField(
        label=label(Application, "development_stage"),
        choices=with_empty(DevelopmentStage.choices),
        required=False,
    )

    def __init__(self, *args: Any, round_: Round, check_url: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "general")
        super().__init__(*args, **kwargs)
        # Only the round's admitted areas are offered; the service still checks what comes back.
        areas = [(link.area.code, link.area.name) for link in round_.area_links.all()]
        self.fields["priority_area"].choices = with_empty(areas)
        if check_url:
            self.setup_live_check(check_url)

    @staticmethod
    def initial_from(application: Application) -> dict:
        initial = {name: getattr(application, name) for name in GENERAL_FIELDS if name != "priority_area"}
        initial["priority_area"] = application.priority_area.code if application.priority_area_id else ""
        return initial


GENERAL_FIELDS = tuple(GeneralForm.base_fields)


class ClaimForm(LiveCheckMixin, forms.Form):
    """Section 2: first-in-class or best-in-class; the comparator and evidence only for best-in-class."""

    claim_kind = forms.ChoiceField(
        label=label(Application, "claim_kind"),
        choices=ClaimKind.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    novelty_statement = forms.CharField(
        label=label(Application, "novelty_statement"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    comparator_name = forms.CharField(
        label=label(Application, "comparator_name"), max_length=200, required=False
    )
    comparator_atc = forms.CharField(
        label=label(Application, "comparator_atc"),
        max_length=16,
        required=False,
        validators=[_code_validator(v.normalise_atc, v.check_atc)],
    )
    superiority_endpoint = forms.CharField(
        label=label(Application, "superiority_endpoint"), max_length=300, required=False
    )
    superiority_result = forms.CharField(
        label=label(Application, "superiority_result"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    superiority_trial = forms.CharField(
        label=label(Application, "superiority_trial"), max_length=300, required=False
    )

    # Shown only when the claim is best-in-class (grants.js toggles them as the radio changes).
    BEST_IN_CLASS_FIELDS = (
        "comparator_name",
        "comparator_atc",
        "superiority_endpoint",
        "superiority_result",
        "superiority_trial",
    )

    def __init__(self, *args: Any, check_url: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "claim")
        super().__init__(*args, **kwargs)
        if check_url:
            self.setup_live_check(check_url)
            # A radio's change is its whole answer: it needs no check, only the toggle.
            for key in ("hx-post", "hx-trigger", "hx-target", "hx-swap", "hx-include"):
                self.fields["claim_kind"].widget.attrs.pop(key, None)
        self.fields["claim_kind"].widget.attrs["data-fc-claim"] = "1"

    @staticmethod
    def initial_from(application: Application) -> dict:
        return {name: getattr(application, name) for name in CLAIM_FIELDS}


CLAIM_FIELDS = tuple(ClaimForm.base_fields)


class SubmitForm(IdempotentFormMixin):
    """No fields of its own: the hidden token makes a double click one submission."""


class WithdrawForm(IdempotentFormMixin):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ApplicationFilterForm(forms.Form):
    """Search and filters of the application lists (the firm's and the round's)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    state = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ApplicationState.choices]
    )
    area = forms.ChoiceField(label=_("Priority area"), required=False)

    def __init__(self, *args: Any, areas: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if areas is None:
            del self.fields["area"]
        else:
            self.fields["area"].choices = [("", _("All areas")), *areas]

    def filters(self) -> dict:
        """The given filters as `selectors_pages.applications_page_list` takes them."""
        if not self.is_valid():
            return {}
        names = {"q": "query", "state": "state", "area": "area"}
        return {names[key]: value for key, value in self.cleaned_data.items() if value}
