"""Helpers of the configuration tests: valid specs of the dxt_* tables, admin form data."""

from dataclasses import replace

from dataexchange import config_validation as rules
from dataexchange import introspection


def proposed(table, alias=None, *, enable=()):
    """Return the admin's proposal for `table`, with the columns in `enable` enabled too."""
    spec = rules.propose_endpoint(introspection.describe_table(table), alias)
    fields = tuple(
        replace(f, is_enabled=True) if f.column_name in enable else f for f in spec.fields
    )
    return replace(spec, fields=fields)


def widget_spec(**changes):
    """Return a valid spec of dxt_widget with code, name and weight enabled."""
    return replace(proposed("dxt_widget", enable=("code", "name", "weight")), **changes)


def with_field(spec, column, **changes):
    """Return `spec` with the field of `column` changed."""
    fields = tuple(replace(f, **changes) if f.column_name == column else f for f in spec.fields)
    return replace(spec, fields=fields)


def messages_of(problems):
    """Return the messages of a list of problems."""
    return [problem.message for problem in problems]


def _put(data, key, value):
    if value is None:
        data[key] = ""
    elif isinstance(value, bool):
        if value:
            data[key] = "on"
    elif isinstance(value, list | tuple):
        data[key] = [str(v) for v in value]
    else:
        data[key] = str(value)


def _form_values(form, data):
    for name in form.fields:
        _put(data, form.add_prefix(name), form[name].value())


def change_form_data(response):
    """Return the POST data of an admin change page as rendered (form and inline formsets)."""
    data = {}
    _form_values(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_values(formset.management_form, data)
        for form in formset.forms:
            _form_values(form, data)
    return data


def field_row(data, column):
    """Return the form prefix (`fields-3`) of the field row of `column` in change form data."""
    for key, value in data.items():
        if key.startswith("fields-") and key.endswith("-column_name") and value == column:
            return key.rsplit("-", 1)[0]
    raise KeyError(column)


def add_relation_row(data, **values):
    """Add a new row to the relation inline of change form data."""
    index = int(data["relations-TOTAL_FORMS"])
    data["relations-TOTAL_FORMS"] = str(index + 1)
    for key, value in values.items():
        _put(data, f"relations-{index}-{key}", value)
    return f"relations-{index}"
