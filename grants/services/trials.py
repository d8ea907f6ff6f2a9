"""Covered trials of an application (rule 8): phase and identifiers, unique across firms.

The first firm to list a trial identifier owns it (a unique row in `TrialIdentifier`); the same firm
may list its trial in several applications. Every change locks the application row.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from grants import validators as v
from grants.enums import TrialPhase
from grants.models import Application, CoveredTrial, TrialIdentifier
from grants.services._common import Problems, lock_application, note_edit, require_editable

TRIAL_FIELDS = (
    "title",
    "phase",
    "permission_number",
    "permission_date",
    "nct_id",
    "planned_enrolment",
    "start_date",
    "end_date",
)


def trial_problems(values: dict, problems: Problems, prefix: str = "") -> dict:
    """Normalise one trial's fields and note what breaks rule 8. Used on entry and at submission."""
    clean = {name: values.get(name) for name in TRIAL_FIELDS}
    clean["title"] = str(clean["title"] or "").strip()[:300]
    if clean["phase"] not in TrialPhase.values:
        problems.add(f"{prefix}phase", _("Choose the trial's phase."))
    number = v.normalise_permission_number(clean["permission_number"] or "")
    nct = v.normalise_nct(clean["nct_id"] or "")
    clean["permission_number"], clean["nct_id"] = number, nct
    if not number and not nct:
        problems.add(
            f"{prefix}nct_id",
            _("Give the national permission number with its date, or the ClinicalTrials.gov id, or both."),
        )
    if number or clean["permission_date"]:
        if message := v.check_permission_number(number):
            problems.add(f"{prefix}permission_number", message)
        if message := v.check_permission_date(clean["permission_date"]):
            problems.add(f"{prefix}permission_date", message)
    if nct and (message := v.check_nct(nct)):
        problems.add(f"{prefix}nct_id", message)
    enrolment = clean["planned_enrolment"]
    if enrolment is not None and (not isinstance(enrolment, int) or enrolment < 1):
        problems.add(f"{prefix}planned_enrolment", _("Enter the planned number of participants."))
    if clean["start_date"] and clean["end_date"] and clean["start_date"] > clean["end_date"]:
        problems.add(f"{prefix}end_date", _("The trial cannot end before it starts."))
    return clean


def _identifiers(trial: dict | CoveredTrial) -> list[tuple[str, str, str]]:
    """(kind, registry value, form field) of each identifier the trial carries."""
    get = trial.get if isinstance(trial, dict) else lambda name: getattr(trial, name)
    out = []
    if get("nct_id"):
        out.append((TrialIdentifier.Kind.NCT, get("nct_id"), "nct_id"))
    if get("permission_number") and get("permission_date"):
        value = f"{get('permission_number')}|{get('permission_date').isoformat()}"
        out.append((TrialIdentifier.Kind.PERMISSION, value, "permission_number"))
    return out


def _claim_identifiers(
    application: Application, clean: dict, problems: Problems, exclude: int | None
) -> None:
    """Rule 8 across firms: the first firm to list a trial identifier owns it (unique index in the DB)."""
    organisation_id = application.organisation_id
    siblings = application.trials.exclude(pk=exclude)
    for kind, value, field in _identifiers(clean):
        duplicate = any(
            k == kind and val == value for sibling in siblings for k, val, _f in _identifiers(sibling)
        )
        if duplicate:
            problems.add(field, _("This trial is already listed in this application."))
            continue
        owner = (
            TrialIdentifier.objects.filter(kind=kind, value=value)
            .values_list("organisation_id", flat=True)
            .first()
        )
        if owner is None:
            try:
                with transaction.atomic():
                    TrialIdentifier.objects.create(kind=kind, value=value, organisation_id=organisation_id)
                continue
            except IntegrityError:  # another firm claimed it a moment ago
                owner = (
                    TrialIdentifier.objects.filter(kind=kind, value=value)
                    .values_list("organisation_id", flat=True)
                    .first()
                )
        if owner != organisation_id:
            problems.add(field, _("This trial is already listed in another firm's application."))


def _release_identifiers(application: Application, identifiers: list[tuple[str, str, str]]) -> None:
    """Free identifiers no trial of the firm uses any more, so a wrong entry does not block anyone.

    Never after a submission: the frozen version still names the trial, so the firm keeps it.
    """
    if application.current_version:
        return
    organisation_id = application.organisation_id
    in_use = {
        (k, val)
        for trial in CoveredTrial.objects.filter(application__organisation_id=organisation_id)
        for k, val, _f in _identifiers(trial)
    }
    for kind, value, _field in identifiers:
        if (kind, value) not in in_use:
            TrialIdentifier.objects.filter(kind=kind, value=value, organisation_id=organisation_id).delete()


def trial_add(*, actor: Any, application: Application, **values: Any) -> CoveredTrial:
    unknown = set(values) - set(TRIAL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown trial fields: {sorted(unknown)}")
    with transaction.atomic():
        application = lock_application(application)
        require_editable(actor, application)
        problems = Problems()
        clean = trial_problems(values, problems)
        if not problems:
            _claim_identifiers(application, clean, problems, exclude=None)
        problems.raise_if_any(code="trial_invalid")
        trial = CoveredTrial.objects.create(application=application, **clean)
        note_edit(application)
        record_event(
            actor=actor,
            action="application.trial_add",
            obj=application,
            after={"trial": trial.pk, "nct_id": trial.nct_id, "permission_number": trial.permission_number},
        )
    return trial


def trial_update(*, actor: Any, trial: CoveredTrial, **values: Any) -> CoveredTrial:
    unknown = set(values) - set(TRIAL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown trial fields: {sorted(unknown)}")
    with transaction.atomic():
        application = lock_application(trial.application_id)
        require_editable(actor, application)
        trial = CoveredTrial.objects.get(pk=trial.pk, application=application)
        old_identifiers = _identifiers(trial)
        problems = Problems()
        clean = trial_problems({**{n: getattr(trial, n) for n in TRIAL_FIELDS}, **values}, problems)
        if not problems:
            _claim_identifiers(application, clean, problems, exclude=trial.pk)
        problems.raise_if_any(code="trial_invalid")
        before = {n: getattr(trial, n) for n in values}
        for name, value in clean.items():
            setattr(trial, name, value)
        trial.save(update_fields=list(TRIAL_FIELDS))
        _release_identifiers(application, old_identifiers)
        note_edit(application)
        record_event(
            actor=actor,
            action="application.trial_update",
            obj=application,
            before=before,
            after={n: getattr(trial, n) for n in values},
        )
    return trial


def trial_delete(*, actor: Any, trial: CoveredTrial) -> None:
    with transaction.atomic():
        application = lock_application(trial.application_id)
        require_editable(actor, application)
        trial = CoveredTrial.objects.get(pk=trial.pk, application=application)
        identifiers = _identifiers(trial)
        before = {"trial": trial.pk, "nct_id": trial.nct_id, "permission_number": trial.permission_number}
        trial.delete()
        _release_identifiers(application, identifiers)
        note_edit(application)
        record_event(actor=actor, action="application.trial_delete", obj=application, before=before)
