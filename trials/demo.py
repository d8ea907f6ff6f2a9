"""Demo data for the trials domain: the agreements of the published demo round's selected
applications. The first is signed, started, its success recorded, a cost claim verified and paid
(proposed by one officer, approved by another); the second has a claim waiting in the officers'
verification queue. Called by the demo seeder (`accounts/management/commands/seed_demo.py`) after
the selection demo; idempotent (nothing is added once the round has agreements).

Everything goes through the services, so the audit trail, the ledger (commitments and the payout)
and the deadlines (reports, the verification SLA) are real. The months since publication are told
on the grants demo's clock (`grants.demo.demo_clock`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from grants.demo import PUBLISHED_ROUND_TITLE, applicant_of, demo_clock, demo_pdf, msk
from grants.models import FundingDecision, Round
from trials import services
from trials.enums import EvidenceKind
from trials.models import Agreement, ClaimLine, CostClaim

COST_EVIDENCE = (EvidenceKind.CONTRACT, EvidenceKind.ACCEPTANCE_ACT, EvidenceKind.PAYMENT_ORDER)

# (category, description, document date, counterparty INN, counterparty, document number, amount)
PAID_CLAIM_LINES = (
    ("site", "Оплата исследовательских центров, 1-я когорта", dt.date(2025, 6, 30), "7728012340",
     "ГБУЗ «Городская клиническая онкологическая больница № 1»", "ДГ-2025/114", Decimal("18400000.00")),
    ("cro", "Мониторинг и управление данными, II квартал 2025 г.", dt.date(2025, 7, 15), "7812034567",
     "ООО «КлинТрайалс Сервис»", "КИ-77/2", Decimal("9750000.00")),
    ("ins", "Страхование жизни и здоровья участников", dt.date(2025, 3, 20), "7714009876",
     "АО «Страховая компания Надёжность»", "СТ-0042", Decimal("2100000.00")),
)  # fmt: skip
WAITING_CLAIM_LINES = (
    ("site", "Оплата исследовательских центров, 2025 г.", dt.date(2025, 11, 28), "7728012340",
     "ГБУЗ «Городская клиническая онкологическая больница № 1»", "ДГ-2025/207", Decimal("12600000.00")),
    ("cro", "Мониторинг, III–IV кварталы 2025 г.", dt.date(2025, 12, 19), "7812034567",
     "ООО «КлинТрайалс Сервис»", "КИ-81/4", Decimal("6300000.00")),
)  # fmt: skip


def _officer_file(officer: Any, agreement: Agreement, kind: str, name: str) -> Any:
    return services.evidence_upload(actor=officer, agreement=agreement, upload=demo_pdf(name), kind=kind)


def _start(officer: Any, decision: FundingDecision, signatory: str, signed: dt.datetime) -> Agreement:
    """Draw up, sign (a week later) and start (the next day) the agreement of a selected application."""
    with demo_clock(signed - dt.timedelta(days=8)):
        agreement = services.agreement_create(
            actor=officer, application=decision.application, reporting_interval_months=12
        )
    with demo_clock(signed):
        agreement = services.agreement_sign(
            actor=officer, agreement=agreement, signed_on=signed.date(), firm_signatory=signatory
        )
    with demo_clock(signed + dt.timedelta(days=1)):
        return services.agreement_activate(actor=officer, agreement=agreement)


def _success(officer: Any, agreement: Agreement, number: str, authorised: dt.date, at: dt.datetime) -> None:
    """The marketing authorisation and the expert opinion, then the success decision."""
    with demo_clock(at):
        services.success_record(
            actor=officer,
            agreement=agreement,
            event_kind="marketing_authorisation",
            authorisation_number=number,
            authorisation_date=authorised,
            authorisation_document=_officer_file(
                officer, agreement, EvidenceKind.MARKETING_AUTHORISATION, "registracionnoe-udostoverenie.pdf"
            ),
            class_confirmed=True,
            expert_opinion=_officer_file(
                officer, agreement, EvidenceKind.EXPERT_OPINION, "zaklyuchenie-ekspertov.pdf"
            ),
        )


def _claim(applicant: Any, agreement: Agreement, lines: tuple, at: dt.datetime) -> CostClaim:
    """A claim with its lines, each backed by a contract, an acceptance act and a payment order, submitted."""
    trial = agreement.trials.order_by("pk").first()
    with demo_clock(at):
        claim = services.claim_create(actor=applicant, agreement=agreement)
        for category, description, date, inn, counterparty, number, amount in lines:
            line = services.claim_line_add(
                actor=applicant,
                claim=claim,
                trial=trial,
                category=category,
                description=description,
                document_date=date,
                counterparty_inn=inn,
                counterparty_name=counterparty,
                document_number=number,
                amount=amount,
            )
            for kind in COST_EVIDENCE:
                services.evidence_upload(
                    actor=applicant,
                    agreement=agreement,
                    upload=demo_pdf(f"{kind}-{number.replace('/', '-')}.pdf"),
                    kind=kind,
                    line=line,
                )
        return services.claim_submit(actor=applicant, claim=claim)


def seed_trials_demo(*, officer: Any, second_officer: Any, firms: list[Any]) -> dict[str, int]:
    """The published demo round's agreements (see the module's docstring). Returns what it created."""
    round_ = Round.objects.filter(title=PUBLISHED_ROUND_TITLE, state="published").first()
    if round_ is None or Agreement.objects.filter(round=round_).exists():
        return {}
    selected = list(
        FundingDecision.objects.filter(round=round_, outcome="selected", application__organisation__in=firms)
        .select_related("application__organisation")
        .order_by("application_id")
    )
    if len(selected) < 2:
        return {}
    paid_decision, waiting_decision = selected[:2]
    applicant = {d.application.organisation_id: applicant_of(d.application.organisation) for d in selected}

    # 1. Signed in April, authorised in October, the first claim verified, approved by a second officer and paid.
    paid = _start(officer, paid_decision, "А. С. Лебедева, генеральный директор", msk(2026, 4, 14, 12))
    _success(officer, paid, "ЛП-№(010512)-(РГ-RU)", dt.date(2026, 10, 5), msk(2026, 10, 12, 11))
    claim = _claim(applicant[paid.organisation_id], paid, PAID_CLAIM_LINES, msk(2026, 10, 19, 15))
    with demo_clock(msk(2026, 11, 3, 10)):
        for line in ClaimLine.objects.filter(claim=claim).order_by("pk"):
            if line.category.code == "ins":
                services.line_verify(
                    actor=officer,
                    line=line,
                    decision="reduce",
                    accepted_amount=Decimal("1500000.00"),
                    reason="Премия сверх тарифа, утверждённого протоколом исследования, не возмещается.",
                )
            else:
                services.line_verify(actor=officer, line=line, decision="accept")
        claim = services.claim_complete_verification(actor=officer, claim=claim)
    with demo_clock(msk(2026, 11, 5, 12)):
        payout = services.payout_propose(actor=officer, claim=claim)
    with demo_clock(msk(2026, 11, 9, 16)):
        payout = services.payout_approve(actor=second_officer, payout=payout)
    with demo_clock(msk(2026, 11, 12, 11)):
        services.payout_mark_paid(
            actor=officer,
            payout=payout,
            payment_order_number="48213",
            payment_order_date=dt.date(2026, 11, 12),
        )

    # 2. Signed a week later, authorised in late October; its first claim waits for verification.
    waiting = _start(officer, waiting_decision, "Б. Г. Новиков, генеральный директор", msk(2026, 4, 21, 12))
    _success(officer, waiting, "ЛП-№(010733)-(РГ-RU)", dt.date(2026, 10, 27), msk(2026, 11, 2, 11))
    _claim(applicant[waiting.organisation_id], waiting, WAITING_CLAIM_LINES, msk(2026, 11, 16, 14))
    return {"agreements": 2, "claims": 2, "payouts": 1}
