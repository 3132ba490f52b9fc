"""The shared base of the admin's logs: rows the application writes, which people only read."""

from django.contrib import admin


class ViewOnlyAdmin(admin.ModelAdmin):
    """A log written by the application (exchanges, deliveries, sent alerts): nobody adds,
    edits or deletes its rows here, and its lists skip counting every row of a table that only
    grows."""

    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
