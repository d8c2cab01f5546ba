"""The map of a mapped import (`kpibot import EXPORT.csv --map MAP.yaml`, mapped.py): `load_map`
reads the file and checks it, and gives the `ColumnMap` the export is read through.

A map (YAML, or TOML when its name ends in .toml) says how to read the export as canonical
tickets (the record of kpi-definitions.md):

    columns:            # canonical field: the export's column (its header, as written)
      id: Conversation ID
      created_at: Conversation started at (Europe/Berlin)
      agent: Teammate currently assigned
    timezone: Europe/Berlin              # for timestamps without an offset
    timestamp_format: "%d/%m/%Y %H:%M"   # optional: when they are not ISO 8601 (strptime codes)
    values:                              # value maps, per field; matched exactly, then
      channel: {Phone call: phone, Live chat: chat}    # ignoring case and spaces around
      priority: {P1: urgent, P2: high}
    tags_separator: ","                  # how the export separates tags (default ";")
    delimiter: ";"                       # optional: found with csv.Sniffer when not given
    encoding: utf-8-sig                  # optional (default utf-8 with or without a BOM)
    defaults: {source: intercom, tier: 1}  # constants for fields the export lacks, and the
                                           # value of a mapped column's empty cells

A problem of the map itself (an unknown key or field, a column that is not text, a value map
onto a non-canonical value, a time zone that does not exist) is a UserError of one sentence
naming it — with the nearest known name when there is one — and nothing is read. How the
values are read through the map is in mapped.py.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kpi_engine.errors import UserError
from kpi_engine.ingest.rows import REQUIRED_TICKET_COLUMNS, TICKET_COLUMNS
from kpi_engine.vocabulary import CHANNELS, PRIORITIES, STATUSES, TIERS

MAP_KEYS = ("columns", "timezone", "timestamp_format", "values", "tags_separator", "delimiter",
            "encoding", "defaults")
# The closed sets: a value must end as one of these (case-insensitively).
CLOSED_SETS: dict[str, tuple[str, ...]] = {
    "status": tuple(STATUSES), "channel": tuple(CHANNELS), "priority": tuple(PRIORITIES),
    "tier": tuple(TIERS), "escalated": ("true", "false", "1", "0", "yes", "no"),
}


@dataclass(frozen=True)
class ColumnMap:
    """A loaded, checked map: see the module docstring. `path` names it in messages."""

    path: Path
    columns: dict[str, str]  # canonical field → the export's column
    timezone: ZoneInfo | None = None
    timestamp_format: str | None = None
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    tags_separator: str = ";"
    delimiter: str | None = None
    encoding: str = "utf-8-sig"
    defaults: dict[str, str] = field(default_factory=dict)

    def fields(self) -> tuple[str, ...]:
        """The canonical fields the map gives, in the canonical order."""
        given = set(self.columns) | set(self.defaults)
        return tuple(name for name in TICKET_COLUMNS if name in given)


def load_map(path: Path | str) -> ColumnMap:
    """Read and check a map file; a UserError of one sentence for any problem in it."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise UserError(f"no such map file: {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{name} is not UTF-8 text; save the map as UTF-8") from None
    data = _parse(path, text)
    if not isinstance(data, dict) or not data:
        raise UserError(f"{name} must be a mapping with at least columns:, e.g. "
                        "columns: {created_at: \"Created at\"}", ["columns:"])
    for key in data:
        if key not in MAP_KEYS:
            raise UserError(f"{name}: unknown key {key!r}{nearest_name(str(key), MAP_KEYS)} "
                            f"(the keys are {', '.join(MAP_KEYS)})", list(MAP_KEYS))

    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise UserError(f"{name}: columns: must map canonical fields to the export's column "
                        "names, e.g. created_at: \"Created at\"")
    for key, column in columns.items():
        _check_field(name, "columns", key)
        if not isinstance(column, str) or not column.strip():
            raise UserError(f"{name}: columns.{key} must be the name of a column of the "
                            f"export (text), not {column!r}")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise UserError(f"{name}: defaults: must map canonical fields to constant values, e.g. "
                        "source: intercom")
    defaults_text: dict[str, str] = {}
    for key, value in defaults.items():
        _check_field(name, "defaults", key)
        if isinstance(value, (dict, list)) or value is None:
            raise UserError(f"{name}: defaults.{key} must be one value, not {value!r}")
        defaults_text[key] = _text(value)
        _check_canonical(name, f"defaults.{key} is", key, defaults_text[key])
    missing = [field_ for field_ in REQUIRED_TICKET_COLUMNS
               if field_ not in columns and field_ not in defaults_text]
    if missing:
        first = missing[0]
        raise UserError(
            f"{name}: no column nor default for the required field"
            f"{'s' * (len(missing) > 1)} {', '.join(map(repr, missing))} (add e.g. "
            f"columns.{first}: \"…\" or defaults.{first}: …)", list(REQUIRED_TICKET_COLUMNS))

    values = data.get("values") or {}
    if not isinstance(values, dict):
        raise UserError(f"{name}: values: must map fields to value maps, e.g. channel: "
                        "{\"Phone call\": phone}")
    values_text: dict[str, dict[str, str]] = {}
    for key, mapping in values.items():
        _check_field(name, "values", key)
        if key not in columns:
            raise UserError(f"{name}: values.{key} is given but columns has no {key}")
        if not isinstance(mapping, dict):
            raise UserError(f"{name}: values.{key} must map the export's values to canonical "
                            f"ones, e.g. {{\"Phone call\": phone}}, not {mapping!r}")
        values_text[key] = {}
        for source_value, target in mapping.items():
            if isinstance(source_value, bool):
                raise UserError(f"{name}: values.{key} has a key YAML reads as "
                                f"{str(source_value).lower()}; quote it, e.g. \"Yes\": …")
            if isinstance(target, (dict, list)):
                raise UserError(f"{name}: values.{key}.{source_value} must be one value, "
                                f"not {target!r}")
            target_text = _text(target)
            _check_canonical(name, f"values.{key} maps {_text(source_value)!r} to", key,
                             target_text)
            values_text[key][_text(source_value)] = target_text

    zone = None
    if data.get("timezone") is not None:
        zone_name = data["timezone"]
        try:
            zone = ZoneInfo(str(zone_name))
        except (ZoneInfoNotFoundError, ValueError):
            raise UserError(f"{name}: timezone {zone_name!r} is not an IANA time zone (e.g. "
                            "Europe/Berlin, America/New_York, UTC)") from None
    timestamp_format = data.get("timestamp_format")
    if timestamp_format is not None and (not isinstance(timestamp_format, str)
                                         or "%" not in timestamp_format):
        raise UserError(f"{name}: timestamp_format {timestamp_format!r} is not a strptime "
                        "format, e.g. \"%d/%m/%Y %H:%M\"")
    separator = data.get("tags_separator", ";")
    if not isinstance(separator, str) or not separator:
        raise UserError(f"{name}: tags_separator must be text such as \",\" or \";\"")
    delimiter = data.get("delimiter")
    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t"}.get(str(delimiter).lower(), delimiter)
        if not isinstance(delimiter, str) or len(delimiter) != 1:
            raise UserError(f"{name}: delimiter {data['delimiter']!r} must be one character, "
                            "e.g. \",\", \";\" or tab")
    encoding = data.get("encoding", "utf-8-sig")
    try:
        "".encode(str(encoding))
    except LookupError:
        raise UserError(f"{name}: encoding {encoding!r} is not a known text encoding "
                        "(e.g. utf-8, cp1252)") from None
    return ColumnMap(
        path=path, columns={key: value.strip() for key, value in columns.items()},
        timezone=zone, timestamp_format=timestamp_format, values=values_text,
        tags_separator=separator, delimiter=delimiter, encoding=str(encoding),
        defaults=defaults_text,
    )


def _parse(path: Path, text: str):
    if path.suffix.lower() == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise UserError(f"{path.name} is not valid TOML: {error}") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise UserError(f"{path.name} is not valid YAML: {problem}{where}") from None


def _check_field(name: str, section: str, key) -> None:
    if key not in TICKET_COLUMNS:
        raise UserError(f"{name}: {section}: {key!r} is not a canonical field"
                        f"{nearest_name(str(key), TICKET_COLUMNS)} (the fields are "
                        f"{', '.join(TICKET_COLUMNS)})", list(TICKET_COLUMNS))


def _check_canonical(name: str, what: str, key: str, value: str) -> None:
    allowed = CLOSED_SETS.get(key)
    if allowed is not None and value.lower() not in allowed:
        raise UserError(f"{name}: {what} {value!r}, which is not one of {', '.join(allowed)}",
                        list(allowed))


def nearest_name(name: str, known) -> str:
    from rapidfuzz import process

    found = process.extractOne(name, known, score_cutoff=60)
    return f"; did you mean {found[0]!r}?" if found else ""


def _text(value) -> str:
    """A YAML/TOML scalar as the text a CSV cell would hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value).strip()
