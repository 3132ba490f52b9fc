"""Endpoint configuration files (SPEC A10): read, import all-or-nothing, export."""

from dataexchange.config_io.fileformat import dump_entries, entry_from_spec, load_entries
from dataexchange.config_io.services import (
    ConfigFileError,
    ImportReport,
    endpoint_save,
    endpoints_export,
    endpoints_import,
    field_spec_from_row,
    spec_from_endpoint,
)

__all__ = [
    "ConfigFileError",
    "ImportReport",
    "dump_entries",
    "endpoint_save",
    "endpoints_export",
    "endpoints_import",
    "entry_from_spec",
    "field_spec_from_row",
    "load_entries",
    "spec_from_endpoint",
]
