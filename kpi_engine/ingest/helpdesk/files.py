"""Reading a helpdesk's export files into pages: a JSON file is one page (the body of one API
response), a JSON Lines file one page a line, a directory every such file inside it (in natural
name order: page-2 before page-10). Each page comes with where it was found, so that every
problem is told by file and position; a file that is not JSON — truncated, not UTF-8 — is one
`BadItem`, never a traceback.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpi_engine.errors import UserError

try:  # orjson parses a large export about twice as fast as the standard library
    import orjson

    _loads: Callable[[bytes | str], Any] = orjson.loads
    _LoadError: type[Exception] = orjson.JSONDecodeError
except ImportError:  # pragma: no cover - orjson is a dependency; the standard library will do
    _loads, _LoadError = json.loads, json.JSONDecodeError

PAGE_SUFFIXES = (".json", ".jsonl", ".ndjson")
LINE_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class BadItem:
    """Something of the export that was not taken: `position` says where in `file` (a line of
    a JSON Lines file, an object of a page: `tickets[3]`), `reason` why, in one sentence."""

    file: str
    position: str
    reason: str
    ticket_id: str | None = None  # the ticket not taken, when known (its ratings go with it)

    def sentence(self) -> str:
        where = f"{Path(self.file).name}, {self.position}" if self.position else \
            Path(self.file).name
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Page:
    """One page of an export: the parsed body, its file and where in it ('' or 'line N')."""

    file: str
    where: str
    data: Any

    def position(self, item: str = "") -> str:
        return ", ".join(part for part in (self.where, item) if part)


def export_files(paths: list[Path]) -> list[Path]:
    """The files `paths` name (directories expanded); a UserError for a path that is not
    there or a directory without pages."""
    if not paths:
        raise UserError("give the export's files or a directory of them",
                        ["kpibot import --from zendesk export/"])
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted((child for child in path.rglob("*")
                            if child.is_file() and child.suffix.lower() in PAGE_SUFFIXES),
                           key=_natural)
            if not found:
                raise UserError(f"{path} holds no .json or .jsonl files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise UserError(f"no such file or directory: {path}")
    return files


def _natural(path: Path) -> list:
    return [int(part) if part.isdigit() else part.lower()
            for part in re.split(r"(\d+)", str(path))]


_BOM = b"\xef\xbb\xbf"


def read_pages(files: list[Path]) -> Iterator[Page | BadItem]:
    """Each page of each file in order, or a BadItem for what cannot be read as JSON. A JSON
    Lines file is read a line at a time: memory holds one page, whatever the file's size."""
    for path in files:
        name = str(path)
        try:
            if path.suffix.lower() in LINE_SUFFIXES:
                with open(path, "rb") as lines:
                    yield from _lines(name, lines)
                continue
            raw = path.read_bytes()
        except OSError as error:
            yield BadItem(name, "", f"cannot be read ({error.strerror})")
            continue
        raw = raw.removeprefix(_BOM)
        try:
            yield Page(name, "", _loads(raw))
            continue
        except _LoadError:
            pass
        # Not one JSON value: why, told with the standard library's messages and positions.
        text = _text(name, raw)
        if isinstance(text, BadItem):
            yield text
            continue
        try:
            yield Page(name, "", json.loads(text))
        except json.JSONDecodeError as error:
            if error.msg == "Extra data" and text[:error.pos].strip():
                yield from _lines(name, io.BytesIO(raw))  # one page a line, named .json
            else:
                yield BadItem(name, *_json_problem(error, text))


def _text(name: str, raw: bytes, line: int | None = None) -> str | BadItem:
    """`raw` as text, or the BadItem saying it is not UTF-8 text or is empty."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        where = line if line is not None else raw[:error.start].count(b"\n") + 1
        return BadItem(name, f"line {where}", "is not UTF-8 text: export the pages as JSON")
    if not text.strip():
        return BadItem(name, "", "is empty: a page is one JSON object or array")
    return text


def _lines(name: str, lines: Iterable[bytes]) -> Iterator[Page | BadItem]:
    for number, line in enumerate(lines, start=1):
        if number == 1:
            line = line.removeprefix(_BOM)
        try:
            yield Page(name, f"line {number}", _loads(line))
            continue
        except _LoadError:
            if not line.strip():
                continue
        text = _text(name, line, number)
        if isinstance(text, BadItem):
            yield text
            continue
        try:
            yield Page(name, f"line {number}", json.loads(text))
        except json.JSONDecodeError as error:
            where, reason = _json_problem(error, text.rstrip("\r\n"))
            yield BadItem(name, f"line {number} {where.split(' ', 2)[2]}", reason)


def _json_problem(error: json.JSONDecodeError, text: str) -> tuple[str, str]:
    """Where and why `text` is not JSON; a text that ends inside a value is told truncated,
    at its end."""
    if not text[error.pos:].strip() or error.msg.startswith("Unterminated string"):
        end = text.rstrip()
        line = end.count("\n") + 1
        column = len(end) - (end.rfind("\n") + 1) + 1
        return (f"line {line} column {column}",
                "the JSON stops before its value is complete: the file looks truncated")
    return f"line {error.lineno} column {error.colno}", f"is not JSON ({error.msg.lower()})"
