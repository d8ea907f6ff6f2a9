"""Personal API tokens (DRF authtoken): one per person; creating again replaces the old one."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import User
from audit.services import record_event


def api_token_create(*, user: User) -> Token:
    """Create the person's API token, or rotate it: the previous token stops working at once.

    The caller shows `token.key` once; the audit trail records only that a token was issued.
    """
    with transaction.atomic():
        # Lock the person so two clicks cannot both insert a token for the same user.
        User.objects.select_for_update().get(pk=user.pk)
        replaced = Token.objects.filter(user=user).delete()[0] > 0
        token = Token.objects.create(user=user)
        record_event(
            actor=user,
            action="api_token.rotate" if replaced else "api_token.create",
            obj=user,
            after={"token_created": token.created},
        )
    return token


def api_token_revoke(*, user: User) -> bool:
    """Delete the person's API token; False if they had none (nothing is recorded then)."""
    with transaction.atomic():
        removed = Token.objects.filter(user=user).delete()[0] > 0
        if removed:
            record_event(actor=user, action="api_token.revoke", obj=user)
    return removed
