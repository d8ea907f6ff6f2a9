"""Every write of the trials domain. Split by subject; import from here:
`from trials.services import agreement_sign`."""

from trials.services.agreements import agreement_activate, agreement_close, agreement_create, agreement_sign
from trials.services.claims import (
    claim_complete_verification,
    claim_create,
    claim_line_add,
    claim_line_delete,
    claim_submit,
    line_verify,
)
from trials.services.decision import failure_record, success_record
from trials.services.evidence import evidence_delete, evidence_upload
from trials.services.payouts import (
    payout_approve,
    payout_cancel,
    payout_mark_paid,
    payout_propose,
    recovery_record,
)
from trials.services.reports import (
    outcome_report_save,
    outcome_report_submit,
    progress_report_submit,
    trial_update,
)

__all__ = [
    "agreement_activate",
    "agreement_close",
    "agreement_create",
    "agreement_sign",
    "claim_complete_verification",
    "claim_create",
    "claim_line_add",
    "claim_line_delete",
    "claim_submit",
    "evidence_delete",
    "evidence_upload",
    "failure_record",
    "line_verify",
    "outcome_report_save",
    "outcome_report_submit",
    "payout_approve",
    "payout_cancel",
    "payout_mark_paid",
    "payout_propose",
    "progress_report_submit",
    "recovery_record",
    "success_record",
    "trial_update",
]
