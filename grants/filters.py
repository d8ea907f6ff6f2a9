"""Query-string filters of the grants lists (django-filter)."""

from __future__ import annotations

import django_filters

from grants.enums import ApplicationState, RoundState
from grants.models import Application, Round


class RoundFilter(django_filters.FilterSet):
    program = django_filters.NumberFilter(field_name="program_id", help_text="Program id.")
    state = django_filters.MultipleChoiceFilter(choices=RoundState.choices)

    class Meta:
        model = Round
        fields = ["program", "state"]


class ApplicationFilter(django_filters.FilterSet):
    round = django_filters.NumberFilter(field_name="round_id", help_text="Round id.")
    state = django_filters.MultipleChoiceFilter(choices=ApplicationState.choices)
    priority_area = django_filters.CharFilter(
        field_name="priority_area__code", help_text="Priority area code."
    )
    submitted_after = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt")

    class Meta:
        model = Application
        fields = ["round", "state", "priority_area"]
