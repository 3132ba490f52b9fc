"""The configuration file format (SPEC A10): JSON entries ↔ `EndpointSpec`s, with positions.

Reading never stops at the first mistake: every problem of every entry is collected with its
place in the file (`[2] (countries) definition.fields[1].isCreatable: ...`).
"""

import json

from dataexchange import config_validation as rules
from dataexchange.config_validation import EndpointSpec, FieldSpec, RelationSpec

# Where a spec attribute sits in a file entry.
ENDPOINT_PATHS = {
    "alias": "tableAlias",
    "table_name": "tableName",
    "is_active": "isActive",
    "description": "description",
    "identifier": "definition.identifier",
    "is_deletable": "definition.isDeletable",
    "max_batch_size": "definition.maxBatchSize",
    "max_page_limit": "definition.maxPageLimit",
    "max_delete_rows": "definition.maxDeleteRows",
    "track_changes": "trackChanges",
}
FIELD_PATHS = {
    "column_name": "fieldName",
    "visible_name": "fieldVisibleName",
    "type": "type",
    "is_enabled": "isEnabled",
    "is_creatable": "isCreatable",
    "is_editable": "isEditable",
    **{attr: f"validation.{key}" for attr, key in rules.RULE_KEYS.items()},
    "description": "description",
    "examples": "examples",
    "enum_values": "enumValues",
}
RELATION_PATHS = {
    "name": "name",
    "is_editable": "isEditable",
    "child_alias": "childDynamicEntityConfiguration.tableAlias",
    "child_field": "relationFieldMappings[0].childFieldName",
    "parent_field": "relationFieldMappings[0].parentFieldName",
}
PATHS = {"endpoint": ENDPOINT_PATHS, "fields": FIELD_PATHS, "relations": RELATION_PATHS}
SECTION_PATHS = {"fields": "definition.fields", "relations": "childRelations"}

ENTRY_KEYS = (
    "tableName", "tableAlias", "isActive", "trackChanges", "description", "definition",
    "childRelations",
)  # fmt: skip
DEFINITION_KEYS = (
    "identifier", "isDeletable", "maxBatchSize", "maxPageLimit", "maxDeleteRows", "fields",
)  # fmt: skip
FIELD_KEYS = (
    "fieldName", "fieldVisibleName", "type", "isEnabled", "isCreatable", "isEditable",
    "validation", "description", "examples", "enumValues",
)  # fmt: skip
VALIDATION_KEYS = tuple(rules.RULE_KEYS.values())
RELATION_KEYS = ("name", "isEditable", "childDynamicEntityConfiguration", "relationFieldMappings")
MAPPING_KEYS = ("childFieldName", "parentFieldName")
BOUND_RULES = ("min_length", "max_length", "min_value", "max_value", "precision", "scale")


def _as_text(value):
    return (True, value) if isinstance(value, str) else (False, None)


def _as_flag(value):
    return (True, value) if isinstance(value, bool) else (False, None)


def _as_whole(value):
    """Accept JSON integers, and integers written as strings as PHP configurations may hold."""
    if isinstance(value, int) and not isinstance(value, bool):
        return True, value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return True, int(value)
    return False, None


def _as_examples(value):
    """Accept a string or a list of examples; a list is joined with `, ` (as Spryker does)."""
    if isinstance(value, str):
        return True, value
    if isinstance(value, list):
        return True, ", ".join(v if isinstance(v, str) else json.dumps(v) for v in value)
    return False, None


# kind → (converter, what the value must be, for messages)
KINDS = {
    "text": (_as_text, "a string"),
    "flag": (_as_flag, "true or false"),
    "whole": (_as_whole, "a whole number"),
    "object": (lambda v: (isinstance(v, dict), v), "an object"),
    "list": (lambda v: (isinstance(v, list), v), "a list"),
    "examples": (_as_examples, "a string or a list"),
}


class EntryReader:
    """Read one file entry into an EndpointSpec, collecting each problem with its path."""

    def __init__(self, index, entry):
        self.index = index
        self.entry = entry
        self.label = entry.get("tableAlias") or entry.get("tableName") or "?"
        if not isinstance(self.label, str):
            self.label = "?"
        self.problems = []

    def position(self, path):
        """Return the place of `path` in the file, for messages."""
        return f"[{self.index}] ({self.label}) {path}".rstrip()

    def problem(self, path, message):
        self.problems.append(f"{self.position(path)}: {message}")

    def value(self, obj, key, kind, path="", *, required=False, default=None):
        """Return `obj[key]` converted to `kind`; a missing or null key gives `default`."""
        here = f"{path}.{key}" if path else key
        if obj.get(key) is None:
            if required:
                self.problem(here, "is required.")
            return default
        convert, expected = KINDS[kind]
        ok, converted = convert(obj[key])
        if not ok:
            self.problem(here, f"must be {expected}, got {json.dumps(obj[key])}.")
            return default
        return converted

    def check_keys(self, obj, allowed, path):
        """Report keys the format does not know: a typo must not pass silently."""
        for key in obj:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                self.problem(where, f"unknown key. Known keys: {', '.join(allowed)}.")

    def read(self):
        """Return the EndpointSpec of the entry (defaults where values are wrong)."""
        entry = self.entry
        self.check_keys(entry, ENTRY_KEYS, "")
        top = {
            "table_name": self.value(entry, "tableName", "text", required=True, default=""),
            "alias": self.value(entry, "tableAlias", "text", required=True, default=""),
            "is_active": self.value(entry, "isActive", "flag", default=False),
            "track_changes": self.value(entry, "trackChanges", "flag", default=False),
            "description": self.value(entry, "description", "text", default=""),
        }
        definition = self.value(entry, "definition", "object", required=True)
        inner = self.read_definition(definition) if definition is not None else {}
        relations = self.value(entry, "childRelations", "list", default=[])
        return EndpointSpec(
            **top,
            identifier=inner.get("identifier", ""),
            is_deletable=inner.get("is_deletable", False),
            max_batch_size=inner.get("max_batch_size"),
            max_page_limit=inner.get("max_page_limit"),
            max_delete_rows=inner.get("max_delete_rows"),
            fields=inner.get("fields", ()),
            relations=self._each(relations, "childRelations", self.read_relation),
        )

    def read_definition(self, definition):
        """Return the spec values held in `definition`."""
        path = "definition"
        self.check_keys(definition, DEFINITION_KEYS, path)
        fields = self.value(definition, "fields", "list", path, required=True, default=[])
        return {
            "identifier": self.value(definition, "identifier", "text", path, required=True) or "",
            "is_deletable": self.value(definition, "isDeletable", "flag", path, default=False),
            "max_batch_size": self.value(definition, "maxBatchSize", "whole", path),
            "max_page_limit": self.value(definition, "maxPageLimit", "whole", path),
            "max_delete_rows": self.value(definition, "maxDeleteRows", "whole", path),
            "fields": self._each(fields, "definition.fields", self.read_field),
        }

    def _each(self, items, path, read):
        specs = []
        for index, item in enumerate(items):
            here = f"{path}[{index}]"
            if isinstance(item, dict):
                specs.append(read(item, here))
            else:
                self.problem(here, "must be an object.")
        return tuple(specs)

    def read_field(self, obj, path):
        """Return the FieldSpec of one `fields` item."""
        self.check_keys(obj, FIELD_KEYS, path)
        vpath = f"{path}.validation"
        validation = self.value(obj, "validation", "object", path, default={})
        self.check_keys(validation, VALIDATION_KEYS, vpath)
        bounds = {
            attr: self.value(validation, rules.RULE_KEYS[attr], "whole", vpath)
            for attr in BOUND_RULES
        }
        return FieldSpec(
            column_name=self.value(obj, "fieldName", "text", path, required=True, default=""),
            visible_name=self.value(
                obj, "fieldVisibleName", "text", path, required=True, default=""
            ),
            type=self.value(obj, "type", "text", path, required=True, default=""),
            is_enabled=self.value(obj, "isEnabled", "flag", path, default=True),
            is_creatable=self.value(obj, "isCreatable", "flag", path, required=True, default=False),
            is_editable=self.value(obj, "isEditable", "flag", path, required=True, default=False),
            is_required=self.value(validation, "isRequired", "flag", vpath, default=False),
            constraints=self._constraints(validation, vpath),
            description=self.value(obj, "description", "text", path, default=""),
            examples=self.value(obj, "examples", "examples", path, default=""),
            enum_values=tuple(self.value(obj, "enumValues", "list", path, default=[])),
            **bounds,
        )

    def _constraints(self, validation, path):
        names = []
        items = self.value(validation, "constraints", "list", path, default=[])
        for index, item in enumerate(items):
            name = item.get("name") if isinstance(item, dict) else item
            if isinstance(name, str):
                names.append(name)
            else:
                self.problem(f"{path}.constraints[{index}]", 'must be {"name": "url"}.')
        return tuple(names)

    def read_relation(self, obj, path):
        """Return the RelationSpec of one `childRelations` item."""
        self.check_keys(obj, RELATION_KEYS, path)
        cpath = f"{path}.childDynamicEntityConfiguration"
        child = self.value(obj, "childDynamicEntityConfiguration", "object", path, required=True)
        mapping = self._mapping(obj, path)
        return RelationSpec(
            name=self.value(obj, "name", "text", path, required=True, default=""),
            child_alias=self.value(child or {}, "tableAlias", "text", cpath, required=True) or "",
            child_field=self.value(
                mapping, "childFieldName", "text", f"{path}.relationFieldMappings[0]", default=""
            ),
            parent_field=self.value(
                mapping, "parentFieldName", "text", f"{path}.relationFieldMappings[0]", default=""
            ),
            is_editable=self.value(obj, "isEditable", "flag", path, default=True),
        )

    def _mapping(self, obj, path):
        mappings = self.value(obj, "relationFieldMappings", "list", path, required=True)
        if mappings is None:
            return {}
        mpath = f"{path}.relationFieldMappings"
        if len(mappings) != 1:
            self.problem(mpath, f"needs exactly one field mapping, got {len(mappings)}.")
        if not mappings or not isinstance(mappings[0], dict):
            if mappings:
                self.problem(f"{mpath}[0]", "must be an object.")
            return {}
        self.check_keys(mappings[0], MAPPING_KEYS, f"{mpath}[0]")
        return mappings[0]


def read_entries(entries):
    """Return (spec or None per entry, problems per entry index) of a file's JSON array."""
    specs, problems = [], {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            specs.append(None)
            problems[index] = [f"[{index}]: must be an object with tableName, tableAlias, ..."]
            continue
        reader = EntryReader(index, entry)
        specs.append(reader.read())
        if reader.problems:
            problems[index] = reader.problems
    return specs, problems


def problem_position(index, spec, problem):
    """Return where a validation problem sits, e.g. `[2] (countries) definition.identifier`."""
    path = PATHS[problem.section].get(problem.attr, "")
    if problem.index is not None:
        path = f"{SECTION_PATHS[problem.section]}[{problem.index}]" + (f".{path}" if path else "")
    return f"[{index}] ({spec.alias or spec.table_name}) {path}".rstrip()


def entry_from_spec(spec):
    """Return the file entry of one spec; unset optional keys are left out."""
    definition = {"identifier": spec.identifier, "isDeletable": bool(spec.is_deletable)}
    if spec.max_batch_size is not None:
        definition["maxBatchSize"] = spec.max_batch_size
    if spec.max_page_limit is not None:
        definition["maxPageLimit"] = spec.max_page_limit
    if spec.max_delete_rows is not None:
        definition["maxDeleteRows"] = spec.max_delete_rows
    definition["fields"] = [_field_entry(f) for f in spec.fields]
    entry = {"tableName": spec.table_name, "tableAlias": spec.alias, "isActive": spec.is_active}
    if spec.track_changes:  # absent means off, so files without change tracking stay as they were
        entry["trackChanges"] = True
    if spec.description:
        entry["description"] = spec.description
    entry["definition"] = definition
    entry["childRelations"] = [_relation_entry(r) for r in spec.relations]
    return entry


def _field_entry(spec):
    validation = {"isRequired": bool(spec.is_required)}
    for attr in spec.rules():
        value = getattr(spec, attr)
        if attr == "constraints":
            value = [{"name": name} for name in value]
        validation[rules.RULE_KEYS[attr]] = value
    entry = {
        "fieldName": spec.column_name,
        "fieldVisibleName": spec.visible_name,
        "type": spec.type,
        "isCreatable": bool(spec.is_creatable),
        "isEditable": bool(spec.is_editable),
        "validation": validation,
    }
    for attr in ("description", "examples", "enum_values"):
        value = getattr(spec, attr)
        if value:
            entry[FIELD_PATHS[attr]] = list(value) if attr == "enum_values" else value
    return entry


def _relation_entry(spec):
    return {
        "name": spec.name,
        "isEditable": bool(spec.is_editable),
        "childDynamicEntityConfiguration": {"tableAlias": spec.child_alias},
        "relationFieldMappings": [
            {"childFieldName": spec.child_field, "parentFieldName": spec.parent_field}
        ],
    }


def load_entries(text):
    """Return the JSON array of a configuration file; raise ValueError with a readable message."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"The file is not valid JSON: {exc}.") from None
    except RecursionError:
        raise ValueError("The file is nested too deeply to be a configuration.") from None
    if not isinstance(data, list):
        raise ValueError("The file must hold a JSON array of endpoint configurations.")
    return data


def dump_entries(entries):
    """Return file entries as the JSON text of a configuration file."""
    return json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
