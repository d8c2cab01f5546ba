"""Any helpdesk's CSV export through a mapping file: `kpibot import EXPORT.csv --map MAP.yaml`.

The map (column_map.py: `load_map` → `ColumnMap`) says which of the export's columns holds each
canonical field of the ticket record (kpi-definitions.md), the export's time zone and timestamp
format, value maps, the tags separator, the delimiter, the encoding and constant defaults.

How values are read. A closed-set field (status, channel, priority, tier, escalated) takes its
value map's translation, or the value itself when it already is a canonical one ("Email" is
email); anything else is a bad row naming the value, its column and the map key to add. An open
field (team, agent, …) with a value map is renamed where the map says and kept otherwise. A
timestamp is ISO 8601 or `timestamp_format`; without an offset it is a wall-clock time in
`timezone` (a time the clocks skip is a bad row; a time they repeat is the first of the two,
daylight time; timestamps.py reads them). A column named several times in the header (Jira
repeats Labels) is read from its first occurrence, or from all of them for tags. Columns the map
does not use are ignored and named once in the report (`ignored_columns`).

The translation sits in front of the canonical importer (canonical.py): the export is read as a
`RowSource` whose rows are canonical, so the rows go through the same validation, staging and
atomic upsert — a translation problem is one more problem of its row, reported with the row's
others by its line in the export. A problem of the map itself (an unknown field, a column the
export does not have, a value map onto a non-canonical value) is one sentence naming it, and
nothing is read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from kpi_engine.errors import UserError
from kpi_engine.ingest.canonical import ImportReport, RowSource, import_sources
from kpi_engine.ingest.column_map import CLOSED_SETS, ColumnMap, load_map, nearest_name
from kpi_engine.ingest.timestamps import timestamp_reader
from kpi_engine.ingest.values import RowError

TIMESTAMP_FIELDS = ("created_at", "first_response_at", "solved_at")
DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024


def import_mapped(
    db: sa.Engine,
    export_path: Path | str,
    mapping: ColumnMap | Path | str,
    surveys_path: Path | str | None = None,
    *,
    skip_bad: bool = False,
    replace_missing: bool = False,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import `export_path` as tickets through `mapping` (a ColumnMap or a map file), and a
    canonical survey CSV with it if given — one transaction, as `import_csv`; see the module
    docstring. Raises UserError for a problem of the map or the export's header, and
    ImportRejected for bad rows unless `skip_bad`."""
    if not isinstance(mapping, ColumnMap):
        mapping = load_map(mapping)
    source = MappedSource(export_path, mapping)
    surveys = RowSource(surveys_path) if surveys_path else None
    return import_sources(db, source, surveys, skip_bad=skip_bad,
                          replace_missing=replace_missing, progress=progress, now=now)


class MappedSource(RowSource):
    """An export read through a map: canonical rows, with the translation's problems of the
    row last read waiting in `pending` for the parser (see `wrap_parser`)."""

    def __init__(self, path: Path | str, mapping: ColumnMap) -> None:
        super().__init__(path)
        self.mapping = mapping
        self.pending: list[RowError] = []

    @contextmanager
    def open(self):
        with open(self.path, "rb") as binary:
            delimiter = self.mapping.delimiter or _sniff(binary, self.mapping.encoding)
            text = io.TextIOWrapper(binary, encoding=self.mapping.encoding, newline="")
            yield _MappedReader(csv.reader(text, delimiter=delimiter), self), binary.tell

    def wrap_parser(self, parse, warnings):
        source = self

        def parse_mapped(fields: list[str], line: int):
            problems = source.pending
            if not problems:
                return parse(fields, line)
            if problems[0].column is None:  # the row's shape: nothing else can be read
                raise problems[0]
            warnings.muted = True  # the row is bad: what it would warn of does not matter
            try:
                parse(fields, line)
            except RowError as error:
                raise RowError.of([*problems, error]) from None
            finally:
                warnings.muted = False
            raise RowError.of(problems)

        return parse_mapped


def _sniff(binary, encoding: str) -> str:
    """The export's delimiter: csv.Sniffer on its first bytes, else the candidate its header
    holds most of, else a comma."""
    sample = binary.read(SNIFF_BYTES).decode(encoding, errors="replace")
    binary.seek(0)
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {candidate: header.count(candidate) for candidate in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


class _MappedReader:
    """A csv reader's rows translated to canonical ones; its first row, the canonical header.
    `line_num` is the export's, so bad rows are named by their line in the export."""

    def __init__(self, reader, source: MappedSource) -> None:
        self.reader = reader
        self.source = source
        self.translate: Callable | None = None

    @property
    def line_num(self) -> int:
        return self.reader.line_num

    def __iter__(self):
        return self

    def __next__(self) -> list[str]:
        try:
            fields = next(self.reader)
        except UnicodeDecodeError:
            encoding = self.source.mapping.encoding
            raise UserError(
                f"{self.source.path} is not {encoding} text (an invalid byte near line "
                f"{self.reader.line_num + 1}); give the map the export's encoding, e.g. "
                "encoding: cp1252") from None
        if self.translate is None:
            self.translate, header = _translator(fields, self.source)
            return header
        if not fields:
            return fields  # a blank line
        fields, self.source.pending = self.translate(fields)
        return fields


def _translator(header: list[str], source: MappedSource):
    """(translate, canonical header) for an export whose header is `header`: translate(fields)
    → (canonical fields, problems). A UserError for a column the map names that the export
    lacks."""
    mapping = source.mapping
    export = source.path.name
    if not any(cell.strip() for cell in header):
        raise UserError(f"{source.path} has no header line: the first line must name the "
                        "columns")
    names = [cell.strip() for cell in header]
    exact: dict[str, list[int]] = {}
    folded: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        exact.setdefault(name, []).append(index)
        folded.setdefault(name.casefold(), []).append(index)
    positions: dict[str, list[int]] = {}
    missing = []
    for field_, column in mapping.columns.items():
        found = exact.get(column) or folded.get(column.casefold())
        if found is None:
            missing.append((field_, column))
        else:
            positions[field_] = found
    if missing:
        said = " and ".join(f"columns.{field_} names {column!r}" for field_, column in missing)
        near = nearest_name(missing[0][1], [name for name in names if name])
        one = len(names) == 1 and any(candidate in names[0] for candidate in DELIMITERS + " ")
        hint = " — is the delimiter right? the map can give it (delimiter: \";\")" if one else ""
        raise UserError(f"{mapping.path.name}: {said}, which {export} does not have{near} "
                        f"(its columns: {', '.join(name for name in names if name)}){hint}",
                        [name for name in names if name])
    used = {index for indices in positions.values() for index in indices}
    source.ignored_columns = tuple(dict.fromkeys(
        name for index, name in enumerate(names) if index not in used and name))
    fields = mapping.fields()
    steps = [_step(field_, positions.get(field_, []), mapping, names) for field_ in fields]
    width = len(header)

    def translate(row: list[str]) -> tuple[list[str], list[RowError]]:
        if len(row) != width:
            return [""] * len(steps), [RowError(
                None, f"expected {width} fields as in the header, found {len(row)}")]
        problems: list[RowError] = []
        return [step(row, problems) for step in steps], problems

    return translate, list(fields)


def _step(name: str, indices: list[int], mapping: ColumnMap, header: list[str]):
    """The function reading canonical field `name` from an export row."""
    default = mapping.defaults.get(name, "")
    if not indices:
        return lambda row, problems: default
    column = header[indices[0]]
    values = mapping.values.get(name)
    folded = {key.casefold(): value for key, value in values.items()} if values else {}
    allowed = CLOSED_SETS.get(name)

    def mapped(raw: str) -> str:
        if values is not None:
            found = values.get(raw)
            if found is None:
                found = folded.get(raw.casefold())
            if found is not None:
                return found
        return raw

    if name == "tags":
        separator = mapping.tags_separator

        def read_tags(row, problems):
            tags = [mapped(part.strip()) for index in indices
                    for part in row[index].split(separator) if part.strip()]
            return ";".join(tags) if tags else default

        return read_tags

    if name in TIMESTAMP_FIELDS:
        convert = timestamp_reader(name, column, mapping)

        def read_timestamp(row, problems):
            raw = mapped(row[indices[0]].strip()) or default
            return convert(raw, problems) if raw else raw

        return read_timestamp

    index = indices[0]

    def read(row, problems):
        raw = row[index].strip()
        value = mapped(raw) if raw or "" in (values or {}) else raw
        if not value:
            return default
        if allowed is not None and value.lower() not in allowed:
            hint = (f"add it to values.{name}" if values is not None
                    else f"add values.{name}: {{{raw!r}: …}} to the map")
            problems.append(RowError(name, f"{name} {raw!r} (column {column!r}) is not one of "
                                           f"{', '.join(allowed)}: {hint}"))
        return value

    return read
