"""Import and export endpoint configurations, and save one endpoint from its spec.

An import checks every entry with the admin's rules (`config_validation`) and writes in one
transaction only when no entry has a problem. Export writes the same format, so export → import
→ export gives the same file.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch

from dataexchange import config_validation as rules
from dataexchange.changes.capture import triggers_sync_on_save
from dataexchange.config_io.fileformat import (
    ENDPOINT_PATHS,
    FIELD_PATHS,
    entry_from_spec,
    problem_position,
    read_entries,
)
from dataexchange.models import ConfigurationVersion, Endpoint, EndpointField, EndpointRelation


class ConfigFileError(Exception):
    """A configuration that cannot be imported; `problems` lists each one with its place."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, in a dry run, would do), alias by alias."""

    created: tuple[str, ...]
    updated: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]  # (alias, reason)
    dry_run: bool = False

    def lines(self):
        """Return the report as lines for people."""
        if self.dry_run:
            verbs = ("Would create", "Would update", "Would skip")
        else:
            verbs = ("Created", "Updated", "Skipped")
        skipped = [f"{alias} ({reason})" for alias, reason in self.skipped]
        lines = ["Dry run: nothing was saved."] if self.dry_run else []
        for verb, names in zip(verbs, (self.created, self.updated, skipped), strict=True):
            noun = "endpoint" if len(names) == 1 else "endpoints"
            lines.append(f"{verb} {len(names)} {noun}: {', '.join(names) or '-'}")
        return lines


@dataclass(frozen=True)
class _Step:
    """One file entry and what the import does with it: create, update or skip."""

    index: int
    spec: rules.EndpointSpec
    action: str
    reason: str = ""


def endpoints_import(*, entries, update=False, dry_run=False):
    """Create the endpoints of a file's entries (with `update`, replace same-alias ones).

    All or nothing: raise ConfigFileError listing every problem of every entry when any entry
    is invalid. Entries whose alias exists are skipped (or updated); entries whose table is
    already exposed under another alias are skipped, as Spryker's installer does.
    """
    specs, read_problems = read_entries(entries)
    existing = {endpoint.alias: endpoint for endpoint in Endpoint.objects.all()}
    steps = _plan(specs, existing, update)
    problems = _plan_problems(steps, existing, read_problems)
    if problems:
        raise ConfigFileError(problems)
    written = [step for step in steps if step.action != "skip"]
    with transaction.atomic():
        _write(written, existing)
        if dry_run:
            transaction.set_rollback(True)
        elif written:
            triggers_sync_on_save()
    return ImportReport(
        created=tuple(s.spec.alias for s in steps if s.action == "create"),
        updated=tuple(s.spec.alias for s in steps if s.action == "update"),
        skipped=tuple((s.spec.alias, s.reason) for s in steps if s.action == "skip"),
        dry_run=dry_run,
    )


def _plan(specs, existing, update):
    """Return a step per readable entry: create, update or skip."""
    owner_of_table = {e.table_name.lower(): alias for alias, e in existing.items()}
    steps = []
    for index, spec in enumerate(specs):
        if spec is None:
            continue
        if spec.alias in existing:
            action, reason = ("update", "") if update else ("skip", "already configured")
        elif spec.table_name.lower() in owner_of_table:
            owner = owner_of_table[spec.table_name.lower()]
            action, reason = "skip", f"table {spec.table_name} already exposed by {owner}"
        else:
            action, reason = "create", ""
        steps.append(_Step(index, spec, action, reason))
    return steps


def _plan_problems(steps, existing, read_problems):
    """Return every problem, entry by entry: reading problems, else the admin's rules."""
    written = [step for step in steps if step.action != "skip"]
    replaced = {step.spec.alias for step in written}
    kept = {alias: e.table_name for alias, e in existing.items() if alias not in replaced}
    by_index = dict(read_problems)
    described = {}  # each table is introspected once for the whole file
    for step in written:
        if step.index in by_index:
            continue
        others = {s.spec.alias: s.spec.table_name for s in written if s is not step}
        catalog = rules.Catalog({**kept, **others}, described)
        found = rules.validate_endpoint_config(step.spec, catalog)
        if found:
            by_index[step.index] = [
                f"{problem_position(step.index, step.spec, p)}: {p.message}" for p in found
            ]
    return [problem for index in sorted(by_index) for problem in by_index[index]]


def _write(steps, existing):
    """Save the endpoints, then their relations (a child may come later in the file)."""
    saved = {}
    for step in steps:
        saved[step.spec.alias] = endpoint_save(step.spec, endpoint=existing.get(step.spec.alias))
    for step in steps:
        endpoint = saved[step.spec.alias]
        endpoint.relations.all().delete()
        EndpointRelation.objects.bulk_create(
            _relation_row(endpoint, relation, saved) for relation in step.spec.relations
        )
    if steps:
        ConfigurationVersion.bump()  # bulk_create sends no signals


def _relation_row(endpoint, relation, saved):
    child = saved.get(relation.child_alias) or Endpoint.objects.get(alias=relation.child_alias)
    return EndpointRelation(
        parent=endpoint,
        name=relation.name,
        child=child,
        child_field=relation.child_field,
        parent_field=relation.parent_field,
        is_editable=relation.is_editable,
    )


def endpoint_save(spec, *, endpoint=None):
    """Save an endpoint and its fields from a spec, replacing the fields it had.

    The table's columns the spec leaves out are added as disabled fields, so the admin lists
    every column and the user only has to tick the ones to expose.
    """
    endpoint = endpoint or Endpoint()
    for attr in ENDPOINT_PATHS:
        setattr(endpoint, attr, getattr(spec, attr))
    endpoint.save()
    endpoint.fields.all().delete()
    fields = list(spec.fields)
    info = rules.Catalog({}).describe(spec.table_name)
    if info is not None:
        listed = {f.column_name for f in fields}
        fields += [rules.propose_field(c) for c in info.columns if c.name not in listed]
    EndpointField.objects.bulk_create(
        _field_row(endpoint, position, field_spec) for position, field_spec in enumerate(fields)
    )
    ConfigurationVersion.bump()  # bulk_create sends no signals
    return endpoint


def _field_row(endpoint, position, spec):
    row = EndpointField(endpoint=endpoint, position=position)
    for attr in FIELD_PATHS:
        setattr(row, attr, getattr(spec, attr))
    row.constraints = list(spec.constraints)
    row.enum_values = list(spec.enum_values)
    return row


def spec_from_endpoint(endpoint, *, enabled_only=True):
    """Return the spec of a saved endpoint with its fields (enabled ones) and relations."""
    rows = [row for row in endpoint.fields.all() if row.is_enabled or not enabled_only]
    fields = tuple(field_spec_from_row(row) for row in rows)
    relations = tuple(
        rules.RelationSpec(r.name, r.child.alias, r.child_field, r.parent_field, r.is_editable)
        for r in endpoint.relations.all()
    )
    values = {attr: getattr(endpoint, attr) for attr in ENDPOINT_PATHS}
    return rules.EndpointSpec(**values, fields=fields, relations=relations)


def field_spec_from_row(row):
    """Return the FieldSpec of an EndpointField row."""
    values = {attr: getattr(row, attr) for attr in FIELD_PATHS}
    values["constraints"] = tuple(
        c["name"] if isinstance(c, dict) else str(c) for c in row.constraints or ()
    )
    values["enum_values"] = tuple(row.enum_values or ())
    return rules.FieldSpec(**values)


def endpoints_export(*, endpoints):
    """Return the configuration file entries (SPEC A10) of a queryset of endpoints."""
    # Relations in the order they were written, so a file round-trips exactly.
    relations = Prefetch(
        "relations", EndpointRelation.objects.select_related("child").order_by("pk")
    )
    queryset = endpoints.prefetch_related("fields", relations)
    return [entry_from_spec(spec_from_endpoint(endpoint)) for endpoint in queryset]
