"""The report's filters: how to group, as of which day, since which day, and which round, firm and
priority area. The same filters travel in every drill-down link, export and job manifest."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from grants.models import PriorityArea, Round

GROUPINGS = (
    ("round", _("Round")),
    ("firm", _("Firm")),
    ("area", _("Priority area")),
    ("month", _("Month")),
    ("quarter", _("Quarter")),
    ("year", _("Year")),
)
PERIODS = frozenset({"month", "quarter", "year"})
NO_AREA = "none"  # the area filter's value for agreements whose application names no priority area


@dataclass(frozen=True)
class ReportFilters:
    """Figures are balances at the end of `as_of` (Moscow time; None: now). With `since`, they are
    the movements recorded from the start of `since` to the end of `as_of` instead."""

    by: str = "round"
    as_of: dt.date | None = None
    since: dt.date | None = None
    round_id: int | None = None
    organisation_id: int | None = None
    area: int | str | None = None  # a PriorityArea id, NO_AREA, or None for every area

    @property
    def is_period(self) -> bool:
        return self.since is not None

    def narrowed(self, **changes: Any) -> ReportFilters:
        return replace(self, **changes)

    def as_query(self) -> dict[str, str]:
        """The filters as URL parameters (empty ones left out), for links and manifests."""
        values = {
            "by": self.by,
            "as_of": self.as_of.isoformat() if self.as_of else "",
            "since": self.since.isoformat() if self.since else "",
            "round": str(self.round_id or ""),
            "firm": str(self.organisation_id or ""),
            "area": str(self.area or ""),
        }
        return {key: value for key, value in values.items() if value}

    def as_manifest(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat() if self.as_of else None
        data["since"] = self.since.isoformat() if self.since else None
        return data

    @classmethod
    def from_query(cls, query: dict[str, Any]) -> ReportFilters:
        """Rebuild filters saved by `as_query` (a job's parameters); unknown or bad values are dropped."""
        form = ReportFilterForm(query)
        return form.filters() if form.is_valid() else cls()


class ReportFilterForm(forms.Form):
    by = forms.ChoiceField(label=_("Group by"), choices=GROUPINGS, required=False)
    as_of = forms.DateField(
        label=_("As of (end of day)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    since = forms.DateField(
        label=_("Movements since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for balances; set it to see what moved in the period."),
    )
    round = forms.ModelChoiceField(
        label=_("Round"), queryset=Round.objects.order_by("-opens_at", "-id"), required=False
    )
    # The firm travels by id in links; people type a tax number (INN) or pick from a drill-down.
    firm = forms.CharField(label=_("Firm (INN)"), required=False, max_length=12)
    area = forms.ChoiceField(label=_("Priority area"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [
            ("", _("Every area")),
            (NO_AREA, _("No priority area")),
            *[(str(area.pk), area.name) for area in PriorityArea.objects.all()],
        ]

    def clean_firm(self) -> int | None:
        value = (self.cleaned_data.get("firm") or "").strip()
        if not value:
            return None
        found = None
        if value.isdigit():
            found = Organisation.objects.filter(inn=value).values_list("pk", flat=True).first()
            if found is None and len(value) < 10:  # an id from a drill-down link
                found = Organisation.objects.filter(pk=int(value)).values_list("pk", flat=True).first()
        if found is None:
            raise forms.ValidationError(_("No organisation has this tax number (INN)."))
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        as_of, since = data.get("as_of"), data.get("since")
        today = timezone.localdate()
        if as_of and as_of > today:
            self.add_error("as_of", _("The as-of date cannot be in the future."))
        if since and since > (as_of or today):
            self.add_error("since", _("The period must start on or before the as-of date."))
        return data

    def filters(self) -> ReportFilters:
        """The validated filters (call after is_valid())."""
        data = self.cleaned_data
        area = data.get("area") or None
        return ReportFilters(
            by=data.get("by") or "round",
            as_of=data.get("as_of"),
            since=data.get("since"),
            round_id=data["round"].pk if data.get("round") else None,
            organisation_id=data.get("firm"),
            area=area if area in (None, NO_AREA) else int(area),
        )
