"""Forms of the reviewers pages. They parse input only; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import IdempotentFormMixin
from grants.enums import Modality
from grants.models import Criterion, PriorityArea
from reviewers.enums import AffiliationKind, ConflictOutcome, PartyRole
from reviewers.matching import ICD10_CHAPTERS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _joined(values: list[str]) -> str:
    return ", ".join(values or [])


class ExpertiseForm(forms.Form):
    priority_areas = forms.ModelMultipleChoiceField(
        label=_("Priority areas"),
        queryset=PriorityArea.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    modalities = forms.MultipleChoiceField(
        label=_("Modalities"), choices=Modality.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    icd10_chapters = forms.MultipleChoiceField(
        label=_("ICD-10 chapters"),
        choices=[(chapter, f"{chapter} ({first}–{last})") for chapter, first, last in ICD10_CHAPTERS],
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "fc-columns"}),
    )
    icd10_codes = forms.CharField(
        label=_("ICD-10 categories"), required=False, help_text=_("Separated by commas, e.g. C92, C91.")
    )
    atc_groups = forms.CharField(
        label=_("ATC groups"), required=False, help_text=_("Separated by commas, e.g. L01FX, L04A.")
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Targets, mechanisms, techniques; separated by commas."),
    )
    max_load = forms.IntegerField(
        label=_("Most applications per round"),
        required=False,
        min_value=0,
        max_value=200,
        help_text=_("Empty: the round's limit applies."),
    )

    @classmethod
    def for_profile(cls, profile, data=None) -> ExpertiseForm:
        initial = {
            "priority_areas": [a.code for a in profile.priority_areas.all()],
            "modalities": profile.modalities,
            "icd10_chapters": profile.icd10_chapters,
            "icd10_codes": _joined(profile.icd10_codes),
            "atc_groups": _joined(profile.atc_groups),
            "keywords": _joined(profile.keywords),
            "max_load": profile.max_load,
        }
        return cls(data, initial=initial)

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["priority_areas"] = [a.code for a in data["priority_areas"]]
        return data


class AffiliationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of tie"), choices=AffiliationKind.choices)
    organisation_name = forms.CharField(label=_("Organisation"), max_length=300)
    inn = forms.CharField(label=_("INN"), max_length=12)
    ogrn = forms.CharField(label=_("OGRN"), max_length=15, required=False)
    started_on = forms.DateField(label=_("From"), required=False, widget=DATE)
    ended_on = forms.DateField(
        label=_("To"), required=False, widget=DATE, help_text=_("Empty while it lasts.")
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class CompetingProjectForm(forms.Form):
    organisation_name = forms.CharField(label=_("Organisation"), max_length=300, required=False)
    target = forms.CharField(label=_("Target or mechanism"), max_length=200, required=False)
    icd10_code = forms.CharField(label=_("ICD-10 code of the indication"), max_length=8, required=False)
    atc_code = forms.CharField(label=_("ATC code"), max_length=7, required=False)
    ended_on = forms.DateField(
        label=_("Ended"), required=False, widget=DATE, help_text=_("Empty while it lasts.")
    )


class DeclarationForm(IdempotentFormMixin, forms.Form):
    no_conflict = forms.BooleanField(
        label=_(
            "I have no conflict of interest with this application: no employment, contract or financial "
            "interest with the applicant, its group, its CRO or trial sites, and I took no part in preparing it."
        ),
        required=False,
    )
    confidentiality = forms.BooleanField(
        label=_("I will keep the application and my review confidential and use them only for this review."),
        required=False,
    )


class ConflictForm(IdempotentFormMixin, forms.Form):
    description = forms.CharField(
        label=_("Describe the conflict"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class ReasonForm(IdempotentFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


def score_choices(criterion: Criterion) -> list[tuple[str, str]]:
    choices = [("", "—")]
    value = criterion.scale_min
    while value <= criterion.scale_max:
        text = f"{value.normalize():f}" if value != value.to_integral() else str(int(value))
        choices.append((text, text))
        value += criterion.step
    return choices


class ScoringForm(forms.Form):
    """One score (a choice on the criterion's scale and step) and comment per criterion, and the overall
    comment. Field names: `value_<code>`, `comment_<code>`."""

    overall_comment = forms.CharField(
        label=_("Overall comment"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )

    def __init__(self, *args, criteria: list[Criterion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"value_{criterion.code}"] = forms.ChoiceField(
                label=_("Score"), choices=score_choices(criterion), required=False
            )
            self.fields[f"comment_{criterion.code}"] = forms.CharField(
                label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=10000
            )

    @classmethod
    def for_review(cls, review, criteria: list[Criterion], data=None) -> ScoringForm:
        initial = {"overall_comment": review.overall_comment}
        for score in review.scores.all():
            code = score.criterion.code
            if score.value is not None:
                value: Decimal = score.value
                initial[f"value_{code}"] = (
                    f"{value.normalize():f}" if value != value.to_integral() else str(int(value))
                )
            initial[f"comment_{code}"] = score.comment
        return cls(data, initial=initial, criteria=criteria)

    def rows(self) -> list[tuple[Criterion, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"value_{c.code}"], self[f"comment_{c.code}"]) for c in self.criteria]

    def scores(self) -> dict[str, dict]:
        return {
            c.code: {
                "value": self.cleaned_data[f"value_{c.code}"],
                "comment": self.cleaned_data[f"comment_{c.code}"],
            }
            for c in self.criteria
        }

    def apply_details(self, details: dict) -> None:
        """Put a service's `scores.<code>.value|comment` messages beside their fields."""
        for key, messages in details.items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "scores":
                field = f"{parts[2]}_{parts[1]}"
            else:
                field = key if key in self.fields else None
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class SwapForm(IdempotentFormMixin, forms.Form):
    reviewer = forms.ModelChoiceField(label=_("New reviewer"), queryset=None)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)

    def __init__(self, *args, candidates, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = candidates
        self.fields["reviewer"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username} ({u.load})"
        )


class ConflictDecisionForm(forms.Form):
    reviewer = forms.IntegerField(widget=forms.HiddenInput)
    application = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=ConflictOutcome.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class ConsensusForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)

    def __init__(self, *args, criteria: list[Criterion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"value_{criterion.code}"] = forms.ChoiceField(
                label=criterion.name, choices=score_choices(criterion), required=False
            )

    def values(self) -> dict[str, str]:
        return {c.code: self.cleaned_data[f"value_{c.code}"] for c in self.criteria}


class RelatedPartyForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices)
    name = forms.CharField(label=_("Name"), max_length=300)
    inn = forms.CharField(label=_("INN"), max_length=12)
    ogrn = forms.CharField(label=_("OGRN"), max_length=15, required=False)
