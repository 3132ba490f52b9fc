"""A namespaced settings dict (`settings.DATA_EXCHANGE`, …) read once and checked once.

Each product area keeps its defaults next to its code and reads them through a `Namespace`. The
merged values are resolved on first use and kept until Django reports the setting changed
(`override_settings` in tests), so the request path pays a dict lookup, not a merge and a check.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed


class Namespace:
    """The settings dict `setting` merged over `defaults`; `choices` limits some values."""

    def __init__(self, setting, defaults, choices=None):
        self.setting = setting
        self.defaults = defaults
        self.choices = choices or {}
        self._values = None
        setting_changed.connect(self._forget, weak=False)

    def get(self, name):
        """Return the value of `name`; KeyError for a name with no default."""
        if name not in self.defaults:
            raise KeyError(name)
        values = self._values
        if values is None:
            values = self._values = self._resolve()
        return values[name]

    def _resolve(self):
        user = getattr(settings, self.setting, {})
        unknown = set(user) - set(self.defaults)
        if unknown:
            raise ImproperlyConfigured(
                f"Unknown {self.setting} settings: {', '.join(sorted(unknown))}"
            )
        values = {**self.defaults, **user}
        for name, allowed in self.choices.items():
            if values[name] not in allowed:
                raise ImproperlyConfigured(
                    f"{self.setting}[{name!r}] is {values[name]!r}; use one of"
                    f" {', '.join(allowed)}."
                )
        return values

    def _forget(self, setting, **kwargs):
        if setting == self.setting:
            self._values = None
