"""Admin of the exchange log: view-only exchanges and items, dashboard, CSV, replay, alert rules."""

from dataexchange.exchangelog.admin.alerting import (
    AlertNotificationAdmin,
    AlertRuleAdmin,
    MaintenanceWindowAdmin,
)
from dataexchange.exchangelog.admin.exchanges import ExchangeAdmin, ExchangeItemAdmin

__all__ = [
    "AlertNotificationAdmin",
    "AlertRuleAdmin",
    "ExchangeAdmin",
    "ExchangeItemAdmin",
    "MaintenanceWindowAdmin",
]
