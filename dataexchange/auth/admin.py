"""Admin for API access: issued tokens (view and revoke), API keys, endpoint permissions.

`EndpointPermissionInline` is meant for the Endpoint admin (grants per endpoint); the API key
admin carries its own inline, so a key's grants can be edited where the key is.
"""

from django.contrib import admin, messages
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_variables

from dataexchange.auth.models import AccessToken, ApiKey, EndpointPermission

PERMISSION_FLAGS = ("can_view", "can_create", "can_update", "can_delete")


class TokenStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return AccessToken.State.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == AccessToken.State.ACTIVE:
            return queryset.active()
        if self.value() == AccessToken.State.EXPIRED:
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == AccessToken.State.REVOKED:
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
    """Issued tokens, read-only: filter by state, search by user, revoke."""

    list_display = ("id", "user", "state_display", "created_at", "expires_at", "revoked_at")
    list_filter = (TokenStateFilter, "created_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    readonly_fields = (
        "user",
        "created_at",
        "expires_at",
        "refresh_expires_at",
        "refreshed_at",
        "revoked_at",
        "family",
    )
    actions = ("revoke_tokens", "revoke_users_tokens")

    def has_add_permission(self, request):
        return False

    @admin.display(description="state")
    def state_display(self, obj):
        return obj.state.label

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke_tokens(self, request, queryset):
        count = queryset.revoke()
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)

    @admin.action(
        description="Revoke every token of the selected tokens' users", permissions=["change"]
    )
    def revoke_users_tokens(self, request, queryset):
        users = queryset.values("user_id")
        count = AccessToken.objects.filter(user_id__in=users).revoke()
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)


class ApiKeyPermissionInline(admin.TabularInline):
    """The endpoints an API key may use, edited on the key's page."""

    model = EndpointPermission
    fk_name = "api_key"
    fields = ("endpoint", *PERMISSION_FLAGS)
    extra = 0


class EndpointPermissionInline(admin.TabularInline):
    """Grants of one endpoint to users, groups and API keys, for the Endpoint admin."""

    model = EndpointPermission
    fk_name = "endpoint"
    fields = ("user", "group", "api_key", *PERMISSION_FLAGS)
    autocomplete_fields = ("user", "group", "api_key")
    extra = 0


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """API keys: the secret is generated on save and shown once, on the page answering the save
    (never in a message, cookie, URL or log; only its hash is stored)."""

    list_display = (
        "name",
        "prefix",
        "owner",
        "is_active",
        "valid_to",
        "rate",
        "last_used_at",
        "created_at",
    )
    list_filter = ("is_active", "valid_to", "last_used_at")
    list_select_related = ("owner",)
    search_fields = ("name", "key_prefix", "owner__username", "owner__email")
    autocomplete_fields = ("owner",)
    fields = (
        "name", "owner", "is_active", "valid_to", "rate", "prefix", "created_at", "last_used_at",
    )  # fmt: skip
    readonly_fields = ("prefix", "created_at", "last_used_at")
    inlines = (ApiKeyPermissionInline,)
    actions = ("deactivate_keys", "regenerate_keys")

    @admin.display(description="key starts with", ordering="key_prefix")
    def prefix(self, obj):
        """The secret's first characters, to tell keys apart (keys older than the prefix: -)."""
        return format_html("<code>{}…</code>", obj.key_prefix) if obj.key_prefix else "-"

    def get_changeform_initial_data(self, request):
        """A new key is owned by whoever creates it unless they choose another owner."""
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    @sensitive_variables("raw")
    def save_model(self, request, obj, form, change):
        raw = None if change else obj.set_new_key()
        super().save_model(request, obj, form, change)
        if raw:
            request.dx_new_secrets = [(obj, raw)]  # lives as long as this request

    def response_add(self, request, obj, post_url_continue=None):
        """Answer the add form with the page showing the new secret (popups included: the
        secret must not be lost to a closing window)."""
        new_secrets = getattr(request, "dx_new_secrets", None)
        if not new_secrets:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(request, f"The API key “{obj}” was added.", messages.SUCCESS)
        return self.secrets_response(request, new_secrets)

    @admin.action(description="Deactivate selected API keys", permissions=["change"])
    def deactivate_keys(self, request, queryset):
        count = queryset.update(is_active=False)
        self.message_user(request, f"Deactivated {count} API key(s).", messages.SUCCESS)

    @admin.action(description="Replace the secret of selected API keys", permissions=["change"])
    @sensitive_variables("new_secrets")
    def regenerate_keys(self, request, queryset):
        new_secrets = []
        for key in queryset:
            new_secrets.append((key, key.set_new_key()))
            key.save(update_fields=["key_hash", "key_prefix"])
        return self.secrets_response(request, new_secrets)

    @sensitive_variables("new_secrets")
    def secrets_response(self, request, new_secrets):
        """Return the page showing each (key, raw secret) once; no browser may cache it."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Copy the new secret" if len(new_secrets) == 1 else "Copy the new secrets",
            "secrets": new_secrets,
        }
        response = TemplateResponse(request, "admin/dataexchange_auth/apikey/secrets.html", context)
        add_never_cache_headers(response)
        return response


class PrincipalKindFilter(admin.SimpleListFilter):
    title = "granted to"
    parameter_name = "to"
    kinds = {"user": "user", "group": "group", "api_key": "API key"}

    def lookups(self, request, model_admin):
        return list(self.kinds.items())

    def queryset(self, request, queryset):
        if self.value() in self.kinds:
            return queryset.filter(~Q(**{self.value(): None}))
        return queryset


@admin.register(EndpointPermission)
class EndpointPermissionAdmin(admin.ModelAdmin):
    """Every grant, across endpoints: who may view, create, update or delete where."""

    list_display = ("endpoint", "principal_display", *PERMISSION_FLAGS)
    list_editable = PERMISSION_FLAGS
    list_filter = ("endpoint", PrincipalKindFilter, *PERMISSION_FLAGS)
    list_select_related = ("endpoint", "user", "group", "api_key")
    search_fields = ("endpoint__alias", "user__username", "group__name", "api_key__name")
    autocomplete_fields = ("user", "group", "api_key")
    fields = ("endpoint", "user", "group", "api_key", *PERMISSION_FLAGS)

    @admin.display(description="granted to")
    def principal_display(self, obj):
        kind = "user" if obj.user_id else "group" if obj.group_id else "API key"
        return f"{kind} {obj.principal}"
