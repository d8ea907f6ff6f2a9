"""People: officers and administrators add and edit them; everyone sets their own preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from accounts.models import Organisation, User
from accounts.policy import role_fits_organisation, roles_assignable_by
from accounts.services._common import check_password, check_username_free, user_snapshot
from audit.services import record_event
from core.errors import DomainError, Forbidden


def _check_role(actor: User, role: str, organisation: Organisation | None) -> None:
    if role not in Role.values:
        raise DomainError("invalid_role", _("Choose a role from the list."), "role")
    if role not in roles_assignable_by(actor):
        raise Forbidden("forbidden", _("You may not give people this role."), "role")
    if not role_fits_organisation(role, organisation):
        raise DomainError(
            "role_does_not_fit_organisation",
            _(
                "Ministry roles (officer, reviewer, auditor, administrator) belong to the ministry; "
                "applicants belong to a firm."
            ),
            "role",
        )


def user_create(
    *,
    actor: User,
    organisation: Organisation | None,
    username: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password: str | None = None,
    language: str = "ru",
) -> User:
    """An officer or administrator adds a person to an organisation with one role (rule 2).

    Without a password the account cannot sign in until an administrator sets one.
    """
    _check_role(actor, role, organisation)
    with transaction.atomic():
        username = check_username_free(username)
        user = User(
            username=username,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email.strip(),
            role=role,
            organisation=organisation,
            language=language,
            is_staff=role == Role.ADMIN,
        )
        if password:
            check_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save(force_insert=True)
        except IntegrityError as exc:
            raise DomainError(
                "username_taken", _("This username is taken; choose another one."), "username"
            ) from exc
        record_event(actor=actor, action="user.create", obj=user, after=user_snapshot(user))
    return user


def user_update(
    *,
    actor: User,
    user: User,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    role: str | None = None,
    organisation: Organisation | None = None,
    is_active: bool | None = None,
) -> User:
    """An officer or administrator changes a person's details, role or organisation.

    Both the old and the new role must be ones the actor may give, so an officer cannot promote
    anyone to officer nor demote an auditor. None leaves a field as it is.
    """
    assignable = roles_assignable_by(actor)
    if user.role not in assignable:
        raise Forbidden("forbidden", _("You may not change this person's account."))
    with transaction.atomic():
        locked = User.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=user.pk)
        before = user_snapshot(locked)
        new_role = locked.role if role is None else role
        new_org = locked.organisation if organisation is None else organisation
        if new_role != locked.role or new_org != locked.organisation:
            _check_role(actor, new_role, new_org)
        values = {
            "first_name": locked.first_name if first_name is None else first_name.strip(),
            "last_name": locked.last_name if last_name is None else last_name.strip(),
            "email": locked.email if email is None else email.strip(),
            "role": new_role,
            "organisation": new_org,
            "is_active": locked.is_active if is_active is None else is_active,
        }
        changed = [field for field, value in values.items() if getattr(locked, field) != value]
        if not changed:
            return locked
        for field in changed:
            setattr(locked, field, values[field])
        if "role" in changed:
            locked.is_staff = new_role == Role.ADMIN
            changed.append("is_staff")
        locked.save(update_fields=changed)
        after = user_snapshot(locked)
        record_event(
            actor=actor,
            action="user.update",
            obj=locked,
            before={k: v for k, v in before.items() if before[k] != after[k]},
            after={k: v for k, v in after.items() if before[k] != after[k]},
        )
    return locked


def user_set_password(*, actor: User, user: User, password: str | None) -> User:
    """An administrator (or an officer, for the roles they manage) sets a person's password, or with
    None disables password sign-in. The trail records who did it and when, never the password."""
    if user.role not in roles_assignable_by(actor):
        raise Forbidden("forbidden", _("You may not change this person's account."))
    with transaction.atomic():
        locked = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
        if password:
            check_password(password, locked)
            locked.set_password(password)
        else:
            locked.set_unusable_password()
        locked.save(update_fields=["password"])
        record_event(
            actor=actor,
            action="user.set_password" if password else "user.disable_password",
            obj=locked,
            after={"password_sign_in": bool(password)},
        )
    return locked


def user_update_profile(*, user: User, first_name: str, last_name: str, email: str) -> User:
    """A person corrects their own name and e-mail; role and organisation are not theirs to change."""
    with transaction.atomic():
        before = user_snapshot(user)
        user.first_name, user.last_name, user.email = first_name.strip(), last_name.strip(), email.strip()
        after = user_snapshot(user)
        changed = [k for k in ("first_name", "last_name", "email") if before[k] != after[k]]
        if not changed:
            return user
        user.save(update_fields=changed)
        record_event(
            actor=user,
            action="user.update_profile",
            obj=user,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return user


def user_set_language(*, user: User, language: str) -> User:
    """Store the person's interface language; the view also switches the current session to it."""
    codes = [code for code, _label in settings.LANGUAGES]
    if language not in codes:
        raise DomainError("invalid_language", _("Choose Russian or English."), "language")
    if user.language == language:
        return user
    with transaction.atomic():
        before = user.language
        user.language = language
        user.save(update_fields=["language"])
        record_event(
            actor=user,
            action="user.set_language",
            obj=user,
            before={"language": before},
            after={"language": language},
        )
    return user
