"""Template context every page gets: the product name, the user's menu and notifications badge."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core import nav


def site(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    # Lazy: pages that never draw the top bar (API errors, bare fragments) do no work for it.
    return {
        "SITE_NAME": "Firstclass",
        "nav_menu": SimpleLazyObject(lambda: nav.menu_for(user, request.path)),
        "nav_notifications": SimpleLazyObject(lambda: nav.notifications_for(user)),
    }
