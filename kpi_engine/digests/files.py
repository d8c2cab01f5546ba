"""Digest definitions as a YAML or TOML file, so a team can keep them under version control
(`kpibot digest export FILE` / `kpibot digest load FILE`). The format follows the file's
suffix; both hold a list `digests` of the mappings `DigestDefinition.to_dict` writes:

    digests:
      - name: Morning pulse
        channel: C0123ABCD
        at: "09:00"
        tz: Europe/Berlin
        days: weekdays
        where: {tier: [1]}
        kpis:
          - {metric: fcr, target: ">= 75%", threshold: ">= 65%"}
          - {metric: frt, target: "<= 1h"}
          - csat
      - name: Monthly review
        channel: C0123ABCD
        at: "09:00"
        days: monthly:1          # or daily, weekdays, mon, [mon, thu], monthly:31 (last day)
        period: last month
        kpis: [fcr, csat]

`days` is one of `daily`, `weekdays`, days of the week (`mon`, `mon,thu`, or a list of them)
or `monthly:N` (day N of each month; the 31st runs on the last day of a shorter month).
A file is read whole or not at all: every problem of every entry is reported together.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kpi_engine.digests.definitions import DigestDefinition, DigestInvalid
from kpi_engine.errors import UserError

SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}


def file_format(path: Path) -> str:
    found = SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise UserError(f"{path.name}: a digest file ends in .yaml, .yml or .toml",
                        [f"{path.stem}.yaml", f"{path.stem}.toml"])
    return found


def read_definitions(path: Path, *, default_tz: str = "UTC") -> list[DigestDefinition]:
    """Every digest of the file, validated; a UserError naming each bad entry otherwise."""
    kind = file_format(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path.name} is not UTF-8 text") from None
    try:
        if kind == "yaml":
            import yaml

            data = yaml.safe_load(text)
        else:
            data = tomllib.loads(text)
    except Exception as error:  # the parsers' own errors: YAMLError, TOMLDecodeError
        reason = str(error).strip().splitlines()[0]
        raise UserError(f"{path.name} is not valid {kind.upper()}: {reason}") from None
    entries = _entries(data, path)
    definitions, problems = [], []
    for number, entry in enumerate(entries, start=1):
        label = f"digest {number}"
        if isinstance(entry, dict) and entry.get("name"):
            label += f" ({entry['name']})"
        try:
            definitions.append(DigestDefinition.from_dict(entry, default_tz=default_tz))
        except DigestInvalid as invalid:
            problems.append(f"{label}: {invalid.message}")
    seen: dict[str, str] = {}
    for definition in definitions:
        if definition.key in seen:
            problems.append(f"the name {definition.name!r} is used twice")
        seen[definition.key] = definition.name
    if problems:
        raise UserError(f"{path.name} has {len(problems)} problem(s), nothing was loaded: "
                        + " | ".join(problems), ["fix the entries named and load it again"])
    return definitions


def _entries(data: Any, path: Path) -> list:
    if isinstance(data, dict) and isinstance(data.get("digests"), list):
        return data["digests"]
    if data is None or data == {} or data == {"digests": None}:
        return []  # an empty file
    if isinstance(data, list):
        return data
    raise UserError(f"{path.name}: the file holds a list 'digests' of digest definitions",
                    ["kpibot digest export digests.yaml   (to see the format)"])


def write_definitions(path: Path, definitions: Sequence[DigestDefinition]) -> None:
    """Write the digests to `path` in the format its suffix names."""
    kind = file_format(path)
    data = {"digests": [definition.to_dict() for definition in definitions]}
    if kind == "yaml":
        import yaml

        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    else:
        import tomli_w

        text = tomli_w.dumps(data)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}") from None
