"""`manage.py prune_tokens`: delete token pairs that can never be used again."""

from django.core.management.base import BaseCommand

from dataexchange.auth.models import AccessToken


class Command(BaseCommand):
    help = "Delete access/refresh token pairs whose refresh token has expired."

    def handle(self, *args, **options):
        deleted, _ = AccessToken.objects.dead().delete()
        self.stdout.write(f"Deleted {deleted} expired token pair(s).")
