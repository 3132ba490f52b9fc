"""`manage.py evaluate_alerts`: check the alert rules and send due mails (run every minute)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from dataexchange.exchangelog.alerts import alerts_evaluate


class Command(BaseCommand):
    help = (
        "Evaluate every active alert rule against the exchange log and mail its recipients when "
        "it fires, keeps firing past its cooldown, or recovers. Run it from cron or a timer."
    )

    def handle(self, *args, **options):
        for outcome in alerts_evaluate(now=timezone.now()):
            detail = f": {outcome.finding.summary}" if outcome.finding else ""
            self.stdout.write(f"{outcome.rule.name}: {outcome.action}{detail}")
