"""Organisations: a firm registering itself, officers creating and editing organisations."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.enums import OrganisationKind, Role
from accounts.models import Organisation, User
from accounts.services._common import (
    check_inn_free,
    check_password,
    check_username_free,
    clean_identifiers,
    organisation_snapshot,
    require_name,
    user_snapshot,
)
from audit.services import record_event
from core import policy
from core.errors import DomainError

FIRM_ALREADY_REGISTERED = _(
    "A firm with this INN is already registered. Ask a colleague who has an account, "
    "or the ministry, to add you to it."
)
INN_TAKEN = _("An organisation with this INN is already registered.")


def _insert(org: Organisation, duplicate_message: str) -> None:
    # The unique index on INN decides a race between two registrations of the same firm.
    try:
        with transaction.atomic():
            org.save(force_insert=True)
    except IntegrityError as exc:
        if Organisation.objects.filter(inn=org.inn).exists():
            raise DomainError("organisation_exists", duplicate_message, "inn") from exc
        raise


def organisation_register(
    *,
    name: str,
    inn: str,
    ogrn: str,
    kpp: str = "",
    address: str = "",
    is_individual_entrepreneur: bool = False,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    language: str = "ru",
) -> User:
    """A firm registers itself: the organisation and its first applicant, in one transaction.

    An INN that is already registered is refused on the "inn" field (rule 2): the person should
    ask a colleague or the ministry to add them instead.
    """
    name = require_name(name)
    inn, ogrn, kpp = clean_identifiers(
        inn=inn, ogrn=ogrn, kpp=kpp, is_individual_entrepreneur=is_individual_entrepreneur
    )
    with transaction.atomic():
        check_inn_free(inn, FIRM_ALREADY_REGISTERED)
        username = check_username_free(username)
        org = Organisation(
            kind=OrganisationKind.FIRM,
            name=name,
            inn=inn,
            ogrn=ogrn,
            kpp=kpp,
            address=address.strip(),
            is_individual_entrepreneur=is_individual_entrepreneur,
        )
        user = User(
            username=username,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email.strip(),
            role=Role.APPLICANT,
            language=language,
        )
        check_password(password, user)
        _insert(org, FIRM_ALREADY_REGISTERED)
        user.organisation = org
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save(force_insert=True)
        except IntegrityError as exc:
            raise DomainError(
                "username_taken", _("This username is taken; choose another one."), "username"
            ) from exc
        record_event(actor=user, action="organisation.register", obj=org, after=organisation_snapshot(org))
        record_event(actor=user, action="user.create", obj=user, after=user_snapshot(user))
    return user


def organisation_create(
    *,
    actor: User,
    kind: str,
    name: str,
    inn: str,
    ogrn: str,
    kpp: str = "",
    address: str = "",
    is_individual_entrepreneur: bool = False,
) -> Organisation:
    """An officer or administrator adds an organisation (a firm, or the ministry)."""
    policy.require(actor, "organisation.manage")
    if kind not in OrganisationKind.values:
        raise DomainError("invalid_kind", _("Choose a firm or the ministry."), "kind")
    if kind == OrganisationKind.MINISTRY and is_individual_entrepreneur:
        raise DomainError(
            "invalid_kind",
            _("The ministry cannot be an individual entrepreneur."),
            "is_individual_entrepreneur",
        )
    name = require_name(name)
    inn, ogrn, kpp = clean_identifiers(
        inn=inn, ogrn=ogrn, kpp=kpp, is_individual_entrepreneur=is_individual_entrepreneur
    )
    with transaction.atomic():
        check_inn_free(inn, INN_TAKEN)
        org = Organisation(
            kind=kind,
            name=name,
            inn=inn,
            ogrn=ogrn,
            kpp=kpp,
            address=address.strip(),
            is_individual_entrepreneur=is_individual_entrepreneur,
        )
        _insert(org, INN_TAKEN)
        record_event(actor=actor, action="organisation.create", obj=org, after=organisation_snapshot(org))
    return org


def organisation_update(
    *,
    actor: User,
    organisation: Organisation,
    name: str | None = None,
    inn: str | None = None,
    ogrn: str | None = None,
    kpp: str | None = None,
    address: str | None = None,
    is_individual_entrepreneur: bool | None = None,
) -> Organisation:
    """An officer or administrator corrects an organisation's details; None leaves a field as it is.

    The kind is fixed at creation: people's roles depend on it.
    """
    policy.require(actor, "organisation.manage", organisation)
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=organisation.pk)
        before = organisation_snapshot(org)
        ie = (
            org.is_individual_entrepreneur
            if is_individual_entrepreneur is None
            else is_individual_entrepreneur
        )
        if ie and org.kind == OrganisationKind.MINISTRY:
            raise DomainError(
                "invalid_kind",
                _("The ministry cannot be an individual entrepreneur."),
                "is_individual_entrepreneur",
            )
        new_inn, new_ogrn, new_kpp = clean_identifiers(
            inn=org.inn if inn is None else inn,
            ogrn=org.ogrn if ogrn is None else ogrn,
            kpp=org.kpp if kpp is None else kpp,
            is_individual_entrepreneur=ie,
        )
        values = {
            "name": org.name if name is None else require_name(name),
            "inn": new_inn,
            "ogrn": new_ogrn,
            "kpp": new_kpp,
            "address": org.address if address is None else address.strip(),
            "is_individual_entrepreneur": ie,
        }
        changed = [field for field, value in values.items() if getattr(org, field) != value]
        if not changed:
            return org
        if "inn" in changed:
            check_inn_free(new_inn, INN_TAKEN, exclude=org)
        for field in changed:
            setattr(org, field, values[field])
        try:
            with transaction.atomic():
                org.save(update_fields=changed)
        except IntegrityError as exc:
            raise DomainError("organisation_exists", INN_TAKEN, "inn") from exc
        after = organisation_snapshot(org)
        record_event(
            actor=actor,
            action="organisation.update",
            obj=org,
            before={field: before[field] for field in changed},
            after={field: after[field] for field in changed},
        )
    organisation.refresh_from_db()
    return org
