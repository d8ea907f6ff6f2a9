"""Filters of the trail, shared by the auditor page, its CSV export and the API."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.enums import Role
from audit.models import AuditEvent
from audit.services import SYSTEM_ROLE

MOSCOW = ZoneInfo("Europe/Moscow")

ROLE_CHOICES = [*Role.choices, (SYSTEM_ROLE, _("System"))]


def moscow_midnight(day: dt.date) -> dt.datetime:
    """The start of a calendar day in Moscow, as an aware moment (dates are entered in Moscow time)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=MOSCOW)


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class AuditEventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "type": "search"}),
        help_text=_("A phrase in the action, object, actor or reason."),
    )
    action = django_filters.CharFilter(
        label=_("Action"),
        lookup_expr="startswith",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": "payout."}),
        help_text=_("An action or its beginning, e.g. payout. for every payout event."),
    )
    object_type = django_filters.CharFilter(
        label=_("Object type"),
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": "grants.application"}
        ),
    )
    object_id = django_filters.CharFilter(
        label=_("Object id"), widget=forms.TextInput(attrs={"class": "form-control form-control-sm"})
    )
    actor = django_filters.CharFilter(
        label=_("Actor"),
        field_name="actor_label",
        lookup_expr="iexact",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        help_text=_("A user name, or system:<task> for background jobs."),
    )
    actor_id = IntegerFilter(label=_("Actor id"), widget=forms.HiddenInput)
    role = django_filters.ChoiceFilter(
        label=_("Role"),
        field_name="actor_role",
        choices=ROLE_CHOICES,
        empty_label=_("Any role"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    organisation = IntegerFilter(
        label=_("Organisation id"), field_name="organisation_id", widget=forms.HiddenInput
    )
    date_from = django_filters.DateFilter(
        label=_("From (Moscow date)"),
        method="filter_date_from",
        widget=forms.DateInput(attrs={"class": "form-control form-control-sm", "type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("To (Moscow date, inclusive)"),
        method="filter_date_to",
        widget=forms.DateInput(attrs={"class": "form-control form-control-sm", "type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The whole phrase, as typed: "step 4" should not match every event with a 4 somewhere.
        phrase = value.strip()
        if not phrase:
            return queryset
        return queryset.filter(
            Q(action__icontains=phrase)
            | Q(object_type__icontains=phrase)
            | Q(object_id=phrase)
            | Q(object_repr__icontains=phrase)
            | Q(actor_label__icontains=phrase)
            | Q(reason__icontains=phrase)
        )

    def filter_date_from(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(created_at__gte=moscow_midnight(value))

    def filter_date_to(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(created_at__lt=moscow_midnight(value + dt.timedelta(days=1)))
