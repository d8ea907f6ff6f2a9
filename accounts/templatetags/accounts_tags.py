from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(value: timedelta) -> int:
    """Whole minutes of a duration, rounded up, for "try again in N minutes"."""
    seconds = int(value.total_seconds())
    return max(1, -(-seconds // 60))
