"""Admin of the endpoint configuration: back-office users expose tables without editing JSON."""

from dataexchange.admin.endpoint import EndpointAdmin

__all__ = ["EndpointAdmin"]
