"""`manage.py ensure_admin`: create the admin superuser once and print its login that one time."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create a superuser with a random password if it does not exist yet, and print the "
        "password (only then). Running it again changes nothing."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="Default: admin.")
        parser.add_argument("--email", default="admin@localhost", help="Default: admin@localhost.")

    def handle(self, *args, username, email, **options):
        user_model = get_user_model()
        admin_url = f"{settings.SITE_URL.rstrip('/')}/admin/"
        if user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).exists():
            self.stdout.write(
                f"Admin user {username!r} already exists; log in at {admin_url} "
                f"(forgot the password? python manage.py changepassword {username})"
            )
            return
        password = secrets.token_urlsafe(12)
        user_model._default_manager.create_superuser(
            **{user_model.USERNAME_FIELD: username}, email=email, password=password
        )
        self.stdout.write(
            self.style.SUCCESS("Created the admin user. This password is shown only once:")
        )
        for label, value in (("URL", admin_url), ("Username", username), ("Password", password)):
            self.stdout.write(f"  {label + ':':<10}{value}")
