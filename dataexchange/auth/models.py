"""Credentials and grants: access/refresh token pairs, API keys and per-endpoint permissions.

Secrets are random strings handed out once; only their sha256 hex digest is stored, so a database
dump yields nothing usable. API keys hash exactly like Spryker's `spy_api_key.key_hash`
(`sha256(key)`), so keys migrated from Spryker keep working.
"""

import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.utils import timezone

from dataexchange import replicas
from dataexchange.auth import conf
from dataexchange.dbconn import first_statement
from dataexchange.engine.query.cursor import db_cursor
from dataexchange.engine.query.dialects import dialect
from dataexchange.models import CURRENT_VERSION_SQL

CURRENT_GRANTS_SQL = "SELECT version FROM dataexchange_auth_grantsversion WHERE id = 1"
ACTIONS = ("view", "create", "update", "delete")

rate_validator = RegexValidator(
    r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$",
    "Give a rate like 100/min, 5000/hour or 10/s.",
)


def new_secret():
    """Return a fresh random secret (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_secret(raw):
    """Return the sha256 hex digest under which the secret `raw` is stored."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


class AccessTokenQuerySet(models.QuerySet):
    def active(self):
        """Return tokens whose access token is usable now."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())

    def dead(self):
        """Return pairs neither of whose tokens can ever be used again (refresh expired)."""
        return self.filter(refresh_expires_at__lte=timezone.now())

    def revoke(self):
        """Revoke every not yet revoked token in the queryset; return how many were revoked."""
        return self.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


@dataclass(frozen=True, slots=True)
class ActiveToken:
    """What a request authenticated by an access token knows of it (DRF's `request.auth`)."""

    id: int
    user: object
    config_version: int | None  # read along, see registry.snapshot
    grants_version: int | None  # read along, see permissions.cached_grants
    recent_write: bool | None = None  # read along with read replicas only, see replicas.py

    @property
    def pk(self):
        return self.id


USER_FIELDS = ["id", "username", "is_active", "is_superuser", "is_staff"]


@functools.cache
def find_access_sql(token_model, user_model, recent_write=False):
    """Return the SQL finding an active access token by hash, with its user's key fields, the
    configuration version, the grants version and, if `recent_write`, whether the user wrote
    after a moment given as the first parameter."""
    quote = connection.ops.quote_name
    token, user = token_model._meta, user_model._meta
    user_columns = ", ".join(f"u.{quote(user.get_field(name).column)}" for name in USER_FIELDS)
    wrote = ""
    if recent_write:
        wrote = (
            f", EXISTS (SELECT 1 FROM {quote(LastWrite._meta.db_table)} w"
            f" WHERE w.{quote('user_id')} = u.{quote(user.pk.column)}"
            f" AND w.{quote('written_at')} > %s)"
        )
    return (
        f"SELECT t.{quote('id')}, {user_columns}, ({CURRENT_VERSION_SQL}), ({CURRENT_GRANTS_SQL})"
        f"{wrote} FROM {quote(token.db_table)} t"
        f" JOIN {quote(user.db_table)} u ON u.{quote(user.pk.column)} = t.{quote('user_id')}"
        f" WHERE t.{quote('access_hash')} = %s AND t.{quote('revoked_at')} IS NULL"
        f" AND t.{quote('expires_at')} > %s"
    )


def fetch_one(sql, params):
    """Return the first row of a raw query, or None."""
    with db_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _partial(model, db, values):
    """Return an instance of `model` loaded with `values` by attname, other fields deferred.

    What `Model.from_db` returns for the same values, without its per-instance work (the
    init signals, a pass over every field): this runs on every API request. A field left out
    is loaded on first access by Django's DeferredAttribute, as a deferred field is."""
    instance = model.__new__(model)
    instance.__dict__.update(values)
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = db
    return instance


class AccessTokenManager(models.Manager.from_queryset(AccessTokenQuerySet)):
    def find_access(self, raw):
        """Return the ActiveToken for the raw access token `raw`, or None.

        On the hot path of every API request, so it is a manager method (no QuerySet is built)
        running one hand-written query instead of a compiled ORM one; the user is built with the
        few fields authentication, permissions and logs read, the rest deferred (loaded only if
        something asks). The same statement reads the configuration and grants versions
        (`config_version`, `grants_version` on the token), so the request needs no separate
        query for them (see `registry.snapshot`, `permissions.cached_grants`). Tokens of a
        user whose password or rights changed were revoked by database triggers (migration
        0004), so `revoked_at IS NULL` is the whole check. With read replicas it also reads
        whether the user wrote lately (`recent_write`, see `replicas.replica_for`).
        """
        from django.contrib.auth import get_user_model

        user_model = get_user_model()
        adapt = connection.ops.adapt_datetimefield_value
        params = [hash_secret(raw), adapt(timezone.now())]
        recent = bool(replicas.replica_aliases())
        if recent:
            params.insert(0, adapt(replicas.written_since()))
        sql = find_access_sql(self.model, user_model, recent)
        row = first_statement(lambda: fetch_one(sql, params))
        if row is None:
            return None
        wrote = bool(row[-1]) if recent else None
        return self.active_token(user_model, row[:-1] if recent else row, wrote)

    def find_access_with(self, raw, data_sql, data_params):
        """Return (the ActiveToken for `raw` or None, the rows of `data_sql`) from ONE
        statement: the credential lookup of `find_access` joined laterally with a read that
        does not depend on it (api.read_ahead), so that a GET costs one round trip, as it would
        without authentication. `data_sql` must select a non-null first column that orders its
        rows (a constant, or their position); the rows are returned without it. No read
        replicas: the caller checks that."""
        from django.contrib.auth import get_user_model

        user_model = get_user_model()
        credential = find_access_sql(self.model, user_model, False)
        width = len(USER_FIELDS) + 3  # token id, the user's fields, the two versions
        sql = (
            f"SELECT c.*, d.* FROM ({credential}) c LEFT JOIN LATERAL ({data_sql}) d ON TRUE"
            f" ORDER BY {width + 1}"  # the data's first column: a marker or its position
        )
        params = [hash_secret(raw), connection.ops.adapt_datetimefield_value(timezone.now())]

        def run():
            with db_cursor() as cursor:
                cursor.execute(sql, [*params, *data_params])
                return cursor.fetchall()

        rows = first_statement(run)
        if not rows:
            return None, []
        data = [row[width + 1 :] for row in rows if row[width] is not None]
        return self.active_token(user_model, rows[0][:width]), data

    def active_token(self, user_model, row, recent_write=None):
        """Return the ActiveToken of a row of `find_access_sql` (without `recent_write`)."""
        token_id, user_id, username, *flags, version, grants = row
        user = _partial(user_model, self.db, {
            "id": user_id, "username": username,
            **{name: bool(flag) for name, flag in zip(USER_FIELDS[2:], flags)},
        })  # fmt: skip
        return ActiveToken(token_id, user, version, grants, recent_write)

    def issue(self, user, family=None):
        """Create a token pair for `user`; return (token, raw access token, raw refresh token)."""
        access, refresh = new_secret(), new_secret()
        now = timezone.now()
        token = self.create(
            user=user,
            access_hash=hash_secret(access),
            refresh_hash=hash_secret(refresh),
            created_at=now,
            expires_at=now + timedelta(seconds=conf.get("ACCESS_TOKEN_LIFETIME")),
            refresh_expires_at=now + timedelta(seconds=conf.get("REFRESH_TOKEN_LIFETIME")),
            family=family or uuid.uuid4(),
        )
        return token, access, refresh


class AccessToken(models.Model):
    """An access token and its refresh token, issued together by `POST /token`."""

    class State(models.TextChoices):
        ACTIVE = "active", "active"
        EXPIRED = "expired", "expired"
        REVOKED = "revoked", "revoked"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dataexchange_tokens"
    )
    access_hash = models.CharField(max_length=64, unique=True, editable=False)
    refresh_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(editable=False)
    refresh_expires_at = models.DateTimeField(editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    refreshed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the refresh token was used; it cannot be used again.",
    )
    family = models.UUIDField(
        default=uuid.uuid4,
        editable=False,
        help_text="Shared by every pair descending from one login by refresh.",
    )

    objects = AccessTokenManager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(fields=["expires_at"]),
            models.Index(fields=["revoked_at"]),
            models.Index(fields=["family"]),
            models.Index(fields=["refresh_expires_at"]),
        ]

    def __str__(self):
        return f"token #{self.pk} of {self.user}"

    @property
    def state(self):
        """Return whether the access token is active, expired or revoked."""
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.ACTIVE


KEY_PREFIX_CHARS = 6


class ApiKeyQuerySet(models.QuerySet):
    def usable(self):
        """Return keys that are active, unexpired and owned by an active user."""
        return self.filter(is_active=True, owner__is_active=True).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=timezone.now())
        )

    def find(self, raw):
        """Return the usable key whose secret is `raw`, with its owner and the configuration and
        grants versions (`config_version`, `grants_version`, as on access tokens) and, with read
        replicas, whether its owner wrote lately (`recent_write`), or None."""
        keys = (
            self.usable()
            .select_related("owner")
            .filter(key_hash=hash_secret(raw))
            .annotate(
                config_version=RawSQL(CURRENT_VERSION_SQL, ()),
                grants_version=RawSQL(CURRENT_GRANTS_SQL, ()),
            )
        )
        if replicas.replica_aliases():
            since = replicas.written_since()
            recent = LastWrite.objects.filter(user=OuterRef("owner"), written_at__gt=since)
            keys = keys.annotate(recent_write=Exists(recent))
        return first_statement(keys.first)


class ApiKey(models.Model):
    """A long-lived credential for a machine client, acting on its own grants only."""

    name = models.CharField(max_length=255)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="dataexchange_api_keys",
        help_text="The user the key acts for in logs. The key has only its own permissions; "
        "deactivating the owner disables the key.",
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The secret's first characters, shown in lists to tell keys apart (as GitHub and Stripe
    # do); far too few to guess the rest from.
    key_prefix = models.CharField("key starts with", max_length=8, blank=True, editable=False)
    is_active = models.BooleanField("active", default=True)
    valid_to = models.DateTimeField(
        null=True, blank=True, help_text="The key stops working at this moment; empty: never."
    )
    rate = models.CharField(
        max_length=32,
        blank=True,
        validators=[rate_validator],
        help_text="Request rate for this key, e.g. 1000/hour; empty for the default.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["is_active"]),
            models.Index(fields=["valid_to"]),
            models.Index(fields=["last_used_at"]),
        ]

    def __str__(self):
        return self.name

    def set_new_key(self):
        """Give the key a fresh secret; return the raw secret, which is never stored."""
        raw = new_secret()
        self.key_hash = hash_secret(raw)
        self.key_prefix = raw[:KEY_PREFIX_CHARS]
        return raw

    def record_use(self):
        """Write the time of use, at most once per configured interval to spare the database."""
        now = timezone.now()
        interval = timedelta(seconds=conf.get("API_KEY_LAST_USED_INTERVAL"))
        if self.last_used_at is None or now - self.last_used_at >= interval:
            type(self).objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now


class EndpointPermission(models.Model):
    """Actions on one endpoint granted to exactly one user, group or API key (SPEC B1)."""

    endpoint = models.ForeignKey(
        "dataexchange.Endpoint", on_delete=models.CASCADE, related_name="permissions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dataexchange_permissions",
    )
    group = models.ForeignKey(
        Group,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dataexchange_permissions",
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.CASCADE, null=True, blank=True, related_name="permissions"
    )
    can_view = models.BooleanField("view", default=False)
    can_create = models.BooleanField("create", default=False)
    can_update = models.BooleanField("update", default=False)
    can_delete = models.BooleanField("delete", default=False)

    class Meta:
        verbose_name = "endpoint permission"
        ordering = ["endpoint", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, group__isnull=True, api_key__isnull=True)
                    | Q(user__isnull=True, group__isnull=False, api_key__isnull=True)
                    | Q(user__isnull=True, group__isnull=True, api_key__isnull=False)
                ),
                name="dx_perm_one_principal",
                violation_error_message="Choose exactly one of user, group or API key.",
            ),
            # NULLs are distinct in unique indexes on all three databases, so each
            # constraint only bites between rows naming the same principal.
            models.UniqueConstraint(fields=["endpoint", "user"], name="dx_perm_user_uniq"),
            models.UniqueConstraint(fields=["endpoint", "group"], name="dx_perm_group_uniq"),
            models.UniqueConstraint(fields=["endpoint", "api_key"], name="dx_perm_key_uniq"),
        ]

    def __str__(self):
        return f"{self.principal}: {', '.join(self.actions) or 'nothing'} on {self.endpoint}"

    @property
    def principal(self):
        """Return the user, group or API key the row grants to."""
        return self.user or self.group or self.api_key

    @property
    def actions(self):
        """Return the granted actions, in the order of ACTIONS."""
        return tuple(action for action in ACTIONS if getattr(self, f"can_{action}"))


class GrantsVersion(models.Model):
    """A single row whose number grows with every change of grants or group membership.

    Bumped only by database triggers (migration 0003) on the grants and user-group tables, so
    every path (admin, ORM, queryset `.update()`, direct SQL) makes cached grants stale in every
    process at the next request; the credential lookup reads it in its own statement.
    """

    version = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = "grants version"

    def __str__(self):
        return str(self.version)


class LastWriteManager(models.Manager):
    def record(self, user_id):
        """Set the last write of user `user_id` to now, in one statement (an upsert)."""
        row = self.model(user_id=user_id, written_at=timezone.now())
        target = ["user"] if dialect().upsert_names_target else None
        self.bulk_create(
            [row], update_conflicts=True, unique_fields=target, update_fields=["written_at"]
        )


class LastWrite(models.Model):
    """When a user last wrote through the API; kept only while read replicas are configured.

    Their reads go to the primary for READ_YOUR_WRITES_SECONDS afterwards (`replicas.py`), on
    every worker and host: the credential lookup reads it in its own statement. Written after
    the write committed, in its own statement, so that concurrent writes of one user do not
    wait for each other's transactions on this row.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    written_at = models.DateTimeField()

    objects = LastWriteManager()

    class Meta:
        verbose_name = "last write"

    def __str__(self):
        return f"{self.user_id} wrote at {self.written_at}"
