"""Checks shared by the account services."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.validators import identifier_errors
from core.errors import DomainError, ValidationFailed


def clean_identifiers(
    *, inn: str, ogrn: str, kpp: str, is_individual_entrepreneur: bool
) -> tuple[str, str, str]:
    """Normalised (INN, OGRN, KPP), or ValidationFailed naming every wrong field (rule 1)."""
    inn, ogrn, kpp = inn.strip(), ogrn.strip(), kpp.strip().upper()
    errors = identifier_errors(
        inn=inn, ogrn=ogrn, kpp=kpp, is_individual_entrepreneur=is_individual_entrepreneur
    )
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationFailed(
            "invalid_identifier",
            message,
            field,
            details={name: [str(text)] for name, text in errors.items()},
        )
    return inn, ogrn, kpp


def require_name(name: str, field: str = "name") -> str:
    name = " ".join(name.split())
    if not name:
        raise DomainError("required", _("This field is required."), field)
    return name


def check_inn_free(inn: str, message: str, *, exclude: Organisation | None = None) -> None:
    """One organisation per INN (rule 2); the unique index backs this up under races."""
    qs = Organisation.objects.filter(inn=inn)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    if qs.exists():
        raise DomainError("organisation_exists", message, "inn")


def check_username_free(username: str) -> str:
    username = username.strip()
    if not username:
        raise DomainError("required", _("This field is required."), "username")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError("username_taken", _("This username is taken; choose another one."), "username")
    return username


def check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("weak_password", " ".join(str(m) for m in exc.messages), "password") from exc


def organisation_snapshot(org: Organisation) -> dict:
    """What the audit trail records about an organisation (identifiers are public registry data)."""
    return {
        "kind": org.kind,
        "name": org.name,
        "inn": org.inn,
        "ogrn": org.ogrn,
        "kpp": org.kpp,
        "address": org.address,
        "is_individual_entrepreneur": org.is_individual_entrepreneur,
    }


def user_snapshot(user: User) -> dict:
    """What the audit trail records about a person: never the password or any secret."""
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "organisation_id": user.organisation_id,
        "is_active": user.is_active,
    }
