"""Policies registered for the tests (imported by tests that need them)."""

from accounts.enums import Role
from core import policy

policy.register("gadget.create", policy.has_role(Role.APPLICANT))
policy.register("gadget.view", policy.any_of(policy.has_role(Role.OFFICER), policy.in_own_organisation()))
policy.register("gadget.list", policy.has_role(Role.APPLICANT, Role.OFFICER))


@policy.register("gadget.rename")
def gadget_rename(user, gadget) -> str | None:
    refusal = policy.in_own_organisation()(user, gadget)
    if refusal:
        return refusal
    if gadget is not None and gadget.state != "draft":
        return "Only a draft can be renamed."
    return None
