"""The filter form of the officers' deadlines page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from deadlines.models import DeadlineState
from deadlines.registry import kind_label, registered_kinds
from deadlines.selectors import FAILING, UPCOMING


def _state_choices() -> list[tuple[str, str]]:
    return [
        ("", _("All")),
        (UPCOMING, _("Upcoming")),
        (FAILING, _("Failing (will retry)")),
        (DeadlineState.PARKED, _("Parked")),
        (DeadlineState.FIRED, _("Fired")),
        (DeadlineState.CANCELLED, _("Cancelled")),
        (DeadlineState.SCHEDULED, _("All scheduled")),
    ]


def _kind_choices() -> list[tuple[str, str]]:
    return [("", _("All kinds"))] + [(kind, kind_label(kind)) for kind in registered_kinds()]


class DeadlineFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=_state_choices)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_kind_choices)
