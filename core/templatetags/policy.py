"""`{% load policy %}` then `{% can "application.submit" application as ok %}`.

`ok` is a `core.policy.Decision`: `{% if ok %}` shows the button, `{{ ok.reason }}` says why not.
The user is the request's user (or `user` in the context when there is no request).
"""

from django import template

from core import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context: template.Context, name: str, obj: object = None) -> policy.Decision:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return policy.can(user, name, obj)
