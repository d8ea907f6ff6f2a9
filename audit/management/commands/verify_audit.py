"""`manage.py verify_audit`: walk the audit chain, print the report, exit 1 when it is broken."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import checkpoint_record
from audit.verify import verify_chain


class Command(BaseCommand):
    help = "Verify the hash-chained audit trail and name the first broken event."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk-size", type=int, default=2000, help="Rows fetched per round trip.")
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="Also record the result as a checkpoint (what the nightly audit.checkpoint task does).",
        )

    def handle(self, *args, chunk_size: int, checkpoint: bool, **options) -> None:
        report = verify_chain(chunk_size=chunk_size)
        self.stdout.write(f"Events checked:      {report.events_checked}")
        self.stdout.write(f"Chain head:          #{report.head_event_id}")
        self.stdout.write(f"Last verified event: #{report.last_verified_id} {report.last_verified_hash}")
        if checkpoint:
            saved = checkpoint_record(report=report)
            self.stdout.write(f"Checkpoint recorded: {saved.pk}")
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"Chain intact up to #{report.last_verified_id}."))
            return
        self.stdout.write(f"Problem:             {report.problem_label}")
        self.stdout.write(f"Detail:              {report.detail}")
        raise CommandError(f"Chain broken at #{report.first_broken_id}: {report.problem}.")
