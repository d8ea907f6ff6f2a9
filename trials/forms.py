"""Forms of the trials pages. They parse input only; every rule lives in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import IdempotentFormMixin
from core.forms_money import MoneyFormField
from grants.enums import SuccessEvent
from grants.forms._common import DateInput
from trials.enums import EvidenceKind, TrialStatus

EMPTY = [("", "—")]


def _kind_choices(kinds) -> list[tuple[str, Any]]:
    return [(value, label) for value, label in EvidenceKind.choices if value in kinds]


class AgreementCreateForm(IdempotentFormMixin, forms.Form):
    cap = MoneyFormField(
        label=_("Cap, ₽"),
        required=False,
        help_text=_("At most the selected amount; empty means the selected amount."),
    )
    reporting_interval_months = forms.IntegerField(
        label=_("Progress report every, months"), min_value=1, max_value=24, initial=6
    )


class SignForm(IdempotentFormMixin, forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())
    firm_signatory = forms.CharField(label=_("Signed for the firm by"), max_length=200)


class ReasonForm(IdempotentFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class ActionForm(IdempotentFormMixin, forms.Form):
    """A button that moves something: only the hidden token that makes a double click harmless."""


class EvidenceForm(IdempotentFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"))
    file = forms.FileField(label=_("File"), help_text=_("PDF, DOCX, XLSX, PNG or JPEG"))

    def __init__(self, *args: Any, kinds=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kind_choices(kinds or EvidenceKind.values)


class SuccessForm(IdempotentFormMixin, forms.Form):
    event_kind = forms.ChoiceField(label=_("Success event"))
    authorisation_number = forms.CharField(
        label=_("Marketing authorisation number"), required=False, max_length=64
    )
    authorisation_date = forms.DateField(
        label=_("Marketing authorisation date"), required=False, widget=DateInput()
    )
    authorisation_document = forms.ModelChoiceField(
        label=_("Marketing authorisation document"), queryset=None, required=False
    )
    conditional_obligations = forms.CharField(
        label=_("Obligations of the conditional authorisation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    endpoint_trial = forms.ModelChoiceField(
        label=_("Trial that met its primary endpoint"), queryset=None, required=False
    )
    endpoint_result = forms.CharField(
        label=_("Primary endpoint result"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    endpoint_document = forms.ModelChoiceField(
        label=_("Endpoint result document"), queryset=None, required=False
    )
    expert_opinion = forms.ModelChoiceField(label=_("Expert opinion"), queryset=None, required=False)
    class_confirmed = forms.BooleanField(
        label=_("I confirm the first-in-class or best-in-class status"), required=False
    )

    def __init__(self, *args: Any, agreement=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accepted = set(agreement.round.program.success_events or [])
        self.fields["event_kind"].choices = EMPTY + [
            (v, label) for v, label in SuccessEvent.choices if v in accepted
        ]
        files = agreement.evidence.filter(
            line__isnull=True, progress_report__isnull=True, outcome_report__isnull=True
        )
        self.fields["authorisation_document"].queryset = files.filter(
            kind=EvidenceKind.MARKETING_AUTHORISATION
        )
        self.fields["endpoint_document"].queryset = files.filter(kind=EvidenceKind.ENDPOINT_REPORT)
        self.fields["expert_opinion"].queryset = files.filter(kind=EvidenceKind.EXPERT_OPINION)
        self.fields["endpoint_trial"].queryset = agreement.trials.all()


class TrialForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TrialStatus.choices)
    sites = forms.CharField(
        label=_("Sites"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One site per line"),
    )
    actual_enrolment = forms.IntegerField(label=_("Participants enrolled"), min_value=0, required=False)
    actual_start = forms.DateField(label=_("Actual start"), required=False, widget=DateInput())
    actual_end = forms.DateField(label=_("Actual end"), required=False, widget=DateInput())


class ProgressReportForm(IdempotentFormMixin, forms.Form):
    summary = forms.CharField(label=_("Progress in the period"), widget=forms.Textarea(attrs={"rows": 5}))
    enrolled = forms.IntegerField(label=_("Participants enrolled so far"), min_value=0, required=False)


class EndpointSelect(forms.NullBooleanSelect):
    """Yes / No / not known yet. A plain Select would render a saved True as "True", matching no
    option, so a saved draft would come back as "not known yet"."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("unknown", _("Not known yet")), ("true", _("Yes")), ("false", _("No"))]


class OutcomeForm(forms.Form):
    summary = forms.CharField(
        label=_("Outcome of the trials"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    primary_endpoint_met = forms.NullBooleanField(
        label=_("Primary endpoint met"),
        required=False,
        widget=EndpointSelect(),
    )


class ClaimLineForm(IdempotentFormMixin, forms.Form):
    trial = forms.ModelChoiceField(label=_("Trial"), queryset=None)
    category = forms.ModelChoiceField(label=_("Cost category"), queryset=None)
    description = forms.CharField(label=_("Description"), max_length=500)
    document_date = forms.DateField(label=_("Document date"), widget=DateInput())
    counterparty_inn = forms.CharField(label=_("Counterparty INN"), max_length=12)
    counterparty_name = forms.CharField(label=_("Counterparty"), max_length=300, required=False)
    document_number = forms.CharField(label=_("Document number"), max_length=64)
    amount = MoneyFormField(label=_("Amount, ₽"))

    def __init__(self, *args: Any, claim=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agreement = claim.agreement
        self.fields["trial"].queryset = agreement.trials.all()
        # Only the program's eligible categories are offered; the service refuses any other.
        self.fields["category"].queryset = agreement.round.program.cost_categories.filter(is_eligible=True)


class LineVerifyForm(IdempotentFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("reduce", _("Accept in part")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    accepted_amount = MoneyFormField(label=_("Accepted amount, ₽"), required=False)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 1}))


class MarkPaidForm(IdempotentFormMixin, forms.Form):
    payment_order_number = forms.CharField(label=_("Payment order no."), max_length=32)
    payment_order_date = forms.DateField(label=_("Payment order date"), widget=DateInput())


class RecoveryForm(IdempotentFormMixin, forms.Form):
    amount = MoneyFormField(label=_("Amount to recover, ₽"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(label=_("To be repaid by"), widget=DateInput())
    payout = forms.ModelChoiceField(label=_("Payout it concerns"), queryset=None, required=False)

    def __init__(self, *args: Any, agreement=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payout"].queryset = agreement.payouts.filter(state="paid").order_by("-paid_at")
