"""Admin forms: the table picker, the endpoint form and the field/relation inline formsets.

Every save is checked by `config_validation`, the same rules the importer applies, and each
problem is shown next to the input it is about.
"""

import json
from dataclasses import replace

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html

from dataexchange import conf, introspection
from dataexchange import config_validation as rules
from dataexchange.config_io import field_spec_from_row
from dataexchange.models import Endpoint, EndpointField, EndpointRelation

EDITABLE_ENDPOINT_ATTRS = (  # what the change form edits, in its order
    "alias",
    "is_active",
    "track_changes",
    "identifier",
    "is_deletable",
    "description",
    "max_batch_size",
    "max_page_limit",
    "max_delete_rows",
)
ENDPOINT_ATTRS = ("table_name", *EDITABLE_ENDPOINT_ATTRS)  # the spec's own attributes
FIELD_COLUMNS = (  # the field grid's columns, in Spryker's order
    "is_enabled",
    "column_name",
    "visible_name",
    "type",
    "is_creatable",
    "is_editable",
    "is_required",
    "min_length",
    "max_length",
    "min_value",
    "max_value",
    "precision",
    "scale",
    "constraints",
    "description",
    "examples",
    "enum_values",
)
SPEC_TUPLES = ("constraints", "enum_values")
SMALL_NUMBER = forms.NumberInput(attrs={"style": "width: 5em"})
NUMERIC_TYPES = ("integer", "float")  # decimals keep the text typed: exact


def pickable_tables():
    """Return the tables a new endpoint may use: real, allowed and not configured yet."""
    taken = {name.lower() for name in Endpoint.objects.values_list("table_name", flat=True)}
    return [name for name in introspection.allowed_table_names() if name.lower() not in taken]


def endpoint_column_choices():
    """Return (alias, column choices) of every configured endpoint: the child columns a
    relation may use, grouped by endpoint."""
    endpoints = Endpoint.objects.order_by("alias").values_list("alias", "table_name")
    return [(alias, column_choices(table)) for alias, table in endpoints]


def column_choices(table_name):
    """Return (column, label) choices of a table's real columns, empty when it is missing."""
    info = introspection.describe_table(table_name) if table_name else None
    if info is None:
        return []
    return [(c.name, f"{c.name} ({c.api_type})") for c in info.columns]


def add_problems(form, problems):
    """Show each problem next to its input, or above the form when it has none there; an
    input that already shows an error keeps only that one."""
    for problem in problems:
        attr = problem.attr if problem.attr in form.fields else None
        if attr is None or attr not in form.errors:
            form.add_error(attr, problem.message)


def spec_from_instance(endpoint, **parts):
    """Return the EndpointSpec of an (unsaved) endpoint instance plus `fields`/`relations`."""
    values = {attr: getattr(endpoint, attr) for attr in ENDPOINT_ATTRS}
    values["alias"] = values["alias"] or ""
    values["identifier"] = values["identifier"] or ""
    values["business_keys"] = tuple(tuple(key) for key in endpoint.business_keys or ())
    return rules.EndpointSpec(**values, **parts)


def no_tables_reason():
    """Return why the table picker is empty and what to do about it."""
    if introspection.allowed_table_names():
        return (
            "No table is left to pick: every allowed table of the database is already exposed "
            "by an endpoint. Edit that endpoint instead (the list links each table to its "
            "endpoint), delete it to start over, or create a new table in the database."
        )
    return (
        "No table can be exposed: the database has no tables this application may serve "
        "(its own tables, Django's and DATA_EXCHANGE_DISALLOWED_TABLES are never offered). "
        "Create the tables first, or check DATABASE_URL."
    )


class TableField(forms.ChoiceField):
    """A table select whose value the shared rules judge, so a stale page gets their message."""

    def valid_value(self, value):
        return True


class EndpointCreateForm(forms.ModelForm):
    """First step of a new endpoint: pick the table; fields are proposed from its columns."""

    table_name = TableField(
        label="Table",
        help_text="Tables of the database that are allowed and not exposed yet.",
    )
    alias = forms.CharField(
        label="Resource name",
        required=False,
        max_length=255,
        help_text="Public name in the URL. Leave empty to use the name proposed in the list.",
    )

    class Meta:
        model = Endpoint
        fields = ("table_name", "alias")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(t, f"{t} → {introspection.propose_alias(t)}") for t in pickable_tables()]
        self.fields["table_name"].choices = [("", "---------"), *choices]
        self.no_tables = None if choices else no_tables_reason()
        if self.no_tables:
            self.fields["table_name"].help_text = self.no_tables
            self.fields["table_name"].error_messages["required"] = self.no_tables
        self.spec = None

    def clean(self):
        cleaned = super().clean()
        table = cleaned.get("table_name")
        if not table:
            return cleaned
        cleaned["alias"] = cleaned.get("alias") or introspection.propose_alias(table)
        catalog = rules.Catalog.from_database()
        info = catalog.usable(table)
        if info is None:  # missing or disallowed: nothing to propose
            spec = rules.EndpointSpec(alias=cleaned["alias"], table_name=table, identifier="")
            add_problems(self, rules.naming_problems(spec, catalog))
            return cleaned
        self.spec = rules.propose_endpoint(info, cleaned["alias"])
        add_problems(self, rules.validate_endpoint_config(self.spec, catalog))
        return cleaned


KEY_SEPARATOR = ","


def business_key_choices(table_name):
    """Return (value, label) choices of the table's unique column sets (introspected): the
    business keys a user may declare."""
    info = introspection.describe_table(table_name) if table_name else None
    if info is None:
        return []
    return [(KEY_SEPARATOR.join(cols), " + ".join(cols)) for cols in rules.unique_sets(info)]


class BusinessKeysField(forms.MultipleChoiceField):
    """Business keys as ticked unique column sets; a value not offered (a stale page, a forged
    post) is judged by the shared rules, which say why it is refused."""

    widget = forms.CheckboxSelectMultiple

    def valid_value(self, value):
        return True


class EndpointChangeForm(forms.ModelForm):
    """The endpoint's own settings; the identifier is picked among the table's columns."""

    identifier = forms.ChoiceField(
        help_text="Column that identifies a row in URLs and writes; it must be unique."
    )
    business_keys = BusinessKeysField(
        required=False,
        help_text=(
            "Unique column sets (the table's unique constraints) by which clients may address "
            "rows instead of the identifier, e.g. a SKU or an ISO code. Their columns must be "
            "enabled fields."
        ),
    )

    class Meta:
        model = Endpoint
        fields = (*EDITABLE_ENDPOINT_ATTRS, "business_keys")
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["identifier"].choices = column_choices(self.instance.table_name)
        self.fields["business_keys"].choices = business_key_choices(self.instance.table_name)
        self.initial["business_keys"] = [
            KEY_SEPARATOR.join(key) for key in self.instance.business_keys or ()
        ]

    def clean_business_keys(self):
        """Return the ticked keys as lists of columns; a set that is not unique in the database
        is refused with the shared rules' message (their columns being enabled fields is checked
        with the field grid)."""
        keys = [
            [c for c in value.split(KEY_SEPARATOR) if c]
            for value in self.cleaned_data.get("business_keys") or ()
        ]
        info = introspection.describe_table(self.instance.table_name)
        if info is not None:
            for key in keys:
                if not rules.is_unique_set(info, key):
                    raise ValidationError(
                        f"Business key `[{', '.join(key)}]` is not unique in table "
                        f"`{info.name}`: choose the columns of one of its unique constraints."
                    )
        return keys
        url = f"/{conf.get('ROUTE_PREFIX').strip('/')}/{self.instance.alias}"
        self.fields["alias"].help_text += format_html(" Served at {}.", url)

    def clean(self):
        cleaned = super().clean()
        changes = {k: v for k, v in cleaned.items() if k in ENDPOINT_ATTRS}
        spec = replace(spec_from_instance(self.instance), **changes)
        catalog = rules.Catalog.from_database(exclude_pk=self.instance.pk)
        add_problems(self, rules.endpoint_problems(spec, catalog))
        return cleaned


class EnumValuesField(forms.Field):
    """Enum values edited as a list, one value per line (or separated by commas on one line),
    stored as the same JSON list; a JSON list typed as before is read as one."""

    widget = forms.Textarea(attrs={"rows": 2, "cols": 12, "placeholder": "one per line"})

    def prepare_value(self, value):
        if isinstance(value, str):  # as typed, redisplayed after an error
            return value
        return "\n".join(str(item) for item in value or ())

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return []
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            if isinstance(parsed, list) and not any(isinstance(v, dict | list) for v in parsed):
                return parsed
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) == 1 and "," in lines[0]:
            lines = [part.strip() for part in lines[0].split(",") if part.strip()]
        return lines


def number(value):
    """Return `value` as an int or a float; ValueError if it is not a number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return float(text)


class EndpointFieldForm(forms.ModelForm):
    """One row of the field grid: a real column, its public name, type and validation."""

    column_name = forms.ChoiceField(label="Column")
    enum_values = EnumValuesField(
        required=False, label="Enum values", help_text="Allowed values, one per line."
    )
    constraints = forms.MultipleChoiceField(
        choices=[(name, name) for name in rules.CONSTRAINTS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="url: the value must be a URL path.",
    )

    class Meta:
        model = EndpointField
        fields = FIELD_COLUMNS
        labels = {"min_value": "Min", "max_value": "Max", "enum_values": "Enum values"}
        widgets = {
            "visible_name": forms.TextInput(attrs={"size": 16}),
            "min_length": SMALL_NUMBER,
            "max_length": SMALL_NUMBER,
            "min_value": SMALL_NUMBER,
            "max_value": SMALL_NUMBER,
            "precision": SMALL_NUMBER,
            "scale": SMALL_NUMBER,
            "description": forms.TextInput(attrs={"size": 16}),
            "examples": forms.TextInput(attrs={"size": 12}),
        }

    def __init__(self, *args, columns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["column_name"].choices = [("", "---------"), *columns]
        if self.instance.pk:
            self.initial["constraints"] = list(field_spec_from_row(self.instance).constraints)

    def clean_enum_values(self):
        """Return the list of values: numbers for numeric fields, text otherwise."""
        values = self.cleaned_data.get("enum_values") or []
        if self.cleaned_data.get("type") in NUMERIC_TYPES:
            try:
                return [number(value) for value in values]
            except ValueError:
                raise ValidationError(
                    "The allowed values of a numeric field must be numbers, one per line."
                ) from None
        return [str(value) for value in values]

    def clean(self):
        # The row's own rules are checked here, so their messages replace the model's.
        cleaned = super().clean()
        if not self.has_changed() and self.instance.pk is None:
            return cleaned
        for message, attr in rules.field_value_problems(self.field_spec()):
            if attr not in self.errors:
                self.add_error(attr, message)
        return cleaned

    def field_spec(self):
        """Return the FieldSpec of the row as entered."""
        data = self.cleaned_data
        values = {attr: data.get(attr) for attr in FIELD_COLUMNS if attr not in SPEC_TUPLES}
        values.update(column_name=values["column_name"] or "", type=values["type"] or "")
        values.update(visible_name=values["visible_name"] or "")
        values.update(description=values["description"] or "", examples=values["examples"] or "")
        return rules.FieldSpec(
            **values,
            constraints=tuple(data.get("constraints") or ()),
            enum_values=tuple(data.get("enum_values") or ()),
        )


class EndpointFieldFormSet(BaseInlineFormSet):
    """The field grid; checked as a whole (identifier enabled, names unique, rules per type)."""

    def validate_unique(self):
        # The shared rules report duplicate columns and names with clearer messages.
        return

    def clean(self):
        # Checked even when rows have errors of their own, so that every problem shows in one
        # save (the identifier's after a length's, not in a second round); a row's field that
        # already has an error gets no second one.
        super().clean()
        forms_ = [form for form in self.forms if self._kept(form)]
        spec = spec_from_instance(self.instance, fields=tuple(f.field_spec() for f in forms_))
        catalog = rules.Catalog.from_database(exclude_pk=self.instance.pk)
        problems = rules.field_problems(spec, catalog) + rules.business_key_problems(spec, catalog)
        place_problems(problems, forms_)

    def _kept(self, form):
        if self.can_delete and self._should_delete_form(form):
            return False
        return form.has_changed() or form.instance.pk is not None


def place_problems(problems, forms_):
    """Show row problems on their rows and the others above the grid."""
    general = []
    for problem in problems:
        if problem.index is None:
            general.append(problem.message)
        else:
            add_problems(forms_[problem.index], [problem])
    if general:
        raise ValidationError(general)


class EndpointRelationForm(forms.ModelForm):
    """One relation: a name, the child endpoint, and the columns that link the two tables."""

    parent_field = forms.ChoiceField(
        label="Parent column", help_text="Column of this endpoint's table the child refers to."
    )
    child_field = TableField(
        label="Child column",
        help_text="Column of the child's table that refers to the parent (listed by endpoint).",
    )

    class Meta:
        model = EndpointRelation
        fields = ("name", "child", "child_field", "parent_field", "is_editable")

    def __init__(self, *args, columns=(), child_columns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent_field"].choices = [("", "---------"), *columns]
        choices = [("", "---------"), *child_columns]
        current = self.initial.get("child_field")
        if current and not any(
            current == value for _, group in child_columns for value, _ in group
        ):
            choices.append((current, current))  # a column since dropped: keep it visible
        self.fields["child_field"].choices = choices

    def clean(self):
        cleaned = super().clean()
        message = rules.name_problem(cleaned.get("name"), "Relation name")
        if message and "name" not in self.errors:
            self.add_error("name", message)
        return cleaned

    def relation_spec(self, parent):
        """Return the RelationSpec of the row; a self relation follows the parent's new alias."""
        data = self.cleaned_data
        child = data.get("child")
        if child is None:
            child_alias = ""
        else:
            child_alias = parent.alias if child.pk == parent.pk else child.alias
        return rules.RelationSpec(
            name=data.get("name") or "",
            child_alias=child_alias,
            child_field=data.get("child_field") or "",
            parent_field=data.get("parent_field") or "",
            is_editable=bool(data.get("is_editable")),
        )


class EndpointRelationFormSet(BaseInlineFormSet):
    """The relation grid, checked with the shared rules (columns exist on both sides)."""

    def validate_unique(self):
        return

    def clean(self):
        super().clean()  # checked even when rows have errors: see EndpointFieldFormSet.clean
        forms_ = [
            form
            for form in self.forms
            if not (self.can_delete and self._should_delete_form(form))
            and (form.has_changed() or form.instance.pk is not None)
        ]
        relations = tuple(form.relation_spec(self.instance) for form in forms_)
        spec = spec_from_instance(self.instance, relations=relations)
        catalog = rules.Catalog.from_database(exclude_pk=self.instance.pk)
        place_problems(rules.relation_problems(spec, catalog), forms_)
