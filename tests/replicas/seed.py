"""Run in a subprocess with DATABASE_URL naming the test primary: create the table, endpoint and
users the read-replica tests use, and print one access token per user as JSON."""

import json

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

from dataexchange.auth.models import AccessToken  # noqa: E402
from tests.support.endpoints import make_endpoint  # noqa: E402

USERS = ("reader", "writer", "patcher", "revoked", "streamer", "waiter")

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE rp_item (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL)")
    cursor.execute("INSERT INTO rp_item (id, name) VALUES (1, 'before the pause')")
make_endpoint("rp-items", "rp_item", "id", [("id", "integer", {}), ("name", "string", {})])
tokens = {}
for name in USERS:
    user = get_user_model().objects.create_superuser(name, f"{name}@example.com", "pw")
    tokens[name] = AccessToken.objects.issue(user)[1]
print(json.dumps(tokens))
