"""Every write of the deadlines app. Import from here: `from deadlines.services import deadline_schedule`."""

from deadlines.services.notifications import (
    notification_mark_all_read,
    notification_mark_read,
    notification_send_email,
    notify,
)
from deadlines.services.schedule import (
    deadline_cancel,
    deadline_retry,
    deadline_schedule,
    deadlines_cancel_for,
)

__all__ = [
    "deadline_cancel",
    "deadline_retry",
    "deadline_schedule",
    "deadlines_cancel_for",
    "notification_mark_all_read",
    "notification_mark_read",
    "notification_send_email",
    "notify",
]
