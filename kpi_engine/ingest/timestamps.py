"""The timestamps of a mapped export (mapped.py), as the ISO 8601 text of an instant: a cell is
read as ISO 8601 or as the map's `timestamp_format` — by `fast_strptime`, several times faster
than `datetime.strptime`, for the formats it knows — and one without an offset is a wall-clock
time in the map's `timezone`, its offset looked up once per quarter hour (a time the clocks
skip is a bad row; a time they repeat is the first of the two, daylight time).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from kpi_engine.ingest.column_map import ColumnMap
from kpi_engine.ingest.values import RowError


def timestamp_reader(name: str, column: str, mapping: ColumnMap):
    """raw, problems → the ISO 8601 text of the instant `raw` names (the raw text when it is
    beyond reading, with its problem added)."""
    fmt, zone = mapping.timestamp_format, mapping.timezone
    read = (fast_strptime(fmt) or (lambda text: datetime.strptime(text, fmt)) if fmt
            else datetime.fromisoformat)
    offset_of = _zone_offsets(zone) if zone is not None else None

    def convert(raw: str, problems: list[RowError]) -> str:
        try:
            moment = read(raw)
        except ValueError:
            if fmt:
                reason = (f"{name} {raw!r} (column {column!r}) does not match the map's "
                          f"timestamp_format {fmt!r}")
            else:
                reason = (f"{name} {raw!r} (column {column!r}) is not an ISO 8601 timestamp; "
                          "give the map a timestamp_format, e.g. \"%d/%m/%Y %H:%M\"")
            problems.append(RowError(name, reason))
            return raw
        if not 1 < moment.year < 9999:
            return raw  # the canonical check names it
        if moment.tzinfo is not None:
            return moment.isoformat()
        if offset_of is None:
            problems.append(RowError(name, f"{name} {raw!r} (column {column!r}) has no UTC "
                                           "offset and the map gives no timezone (add e.g. "
                                           "timezone: Europe/Berlin)"))
            return raw
        offset = offset_of(moment)
        if offset is None:
            problems.append(RowError(name, f"{name} {raw!r} (column {column!r}) does not exist "
                                           f"in {zone.key}: the clocks skip that hour"))
            return raw
        return moment.isoformat() + offset

    return convert


def _zone_offsets(zone: ZoneInfo) -> Callable[[datetime], str | None]:
    """naive wall-clock time in `zone` → its UTC offset as ISO text ("+01:00"), None for a
    time the clocks skip; a repeated time takes its first offset (fold 0). The clocks change
    on the quarter hour, so the answer is kept per quarter hour of wall-clock time."""
    known: dict[tuple, str | None] = {}

    def offset_of(naive: datetime) -> str | None:
        key = (naive.year, naive.month, naive.day, naive.hour, naive.minute // 15)
        found = known.get(key, False)
        if found is not False:
            return found
        local = naive.replace(tzinfo=zone)
        back = local.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
        if back != naive:
            known[key] = None
            return None
        seconds = int(local.utcoffset().total_seconds())
        sign = "-" if seconds < 0 else "+"
        minutes, second = divmod(abs(seconds), 60)
        text = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}" + (f":{second:02d}" if second
                                                                    else "")
        known[key] = text
        return text

    return offset_of


# strptime directives read without strptime (which costs ~15 µs a call): each a regex group.
_DIRECTIVES = {
    "Y": r"(?P<Y>\d{4})", "y": r"(?P<y>\d{2})", "m": r"(?P<m>\d{1,2})",
    "d": r"(?P<d>\d{1,2})", "H": r"(?P<H>\d{1,2})", "I": r"(?P<I>\d{1,2})",
    "M": r"(?P<M>\d{1,2})", "S": r"(?P<S>\d{1,2})", "f": r"(?P<f>\d{1,6})",
    "p": r"(?P<p>[ap]m)", "b": r"(?P<b>[a-z]{3})", "B": r"(?P<B>[a-z]+)",
}
_MONTHS = {"B": {name: number for number, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}}
_MONTHS["b"] = {name[:3]: number for name, number in _MONTHS["B"].items()}


def fast_strptime(fmt: str) -> Callable[[str], datetime] | None:
    """A function reading `fmt` as `datetime.strptime` does (English month names), several
    times faster; None for a format it does not know (strptime is used then): it knows %Y %y
    %m %d %H %I %p %M %S %f %b %B %%, each at most once, with a whole date."""
    import re

    parts, seen, index = [], set(), 0
    while index < len(fmt):
        char = fmt[index]
        if char == "%":
            directive = fmt[index + 1:index + 2]
            if directive == "%":
                parts.append("%")
            elif directive in _DIRECTIVES and directive not in seen:
                seen.add(directive)
                parts.append(_DIRECTIVES[directive])
            else:
                return None
            index += 2
        elif char.isspace():
            while index < len(fmt) and fmt[index].isspace():
                index += 1
            parts.append(r"\s+")
        else:
            parts.append(re.escape(char))
            index += 1
    if ("d" not in seen or not seen & {"Y", "y"} or not seen & {"m", "b", "B"}
            or ("I" in seen) != ("p" in seen) or {"H", "I"} <= seen
            or len(seen & {"m", "b", "B"}) > 1 or {"Y", "y"} <= seen):
        return None
    match = re.compile("".join(parts) + r"\Z", re.IGNORECASE).match

    def parse(text: str) -> datetime:
        found = match(text)
        if found is None:
            raise ValueError(f"{text!r} does not match {fmt!r}")
        group = found.groupdict()
        if group.get("Y") is not None:
            year = int(group["Y"])
        else:
            year = int(group["y"])
            year += 2000 if year < 69 else 1900
        if group.get("m") is not None:
            month = int(group["m"])
        else:
            which = "b" if group.get("b") is not None else "B"
            month = _MONTHS[which].get(group[which].lower(), 0)  # 0: not a month, an error
        hour = int(group.get("H") or 0)
        if group.get("I") is not None:
            hour = int(group["I"])
            if not 1 <= hour <= 12:
                raise ValueError(f"hour {hour} is not 1 to 12")
            hour = hour % 12 + (12 if group["p"].lower() == "pm" else 0)
        micro = group.get("f")
        return datetime(year, month, int(group["d"]), hour, int(group.get("M") or 0),
                        int(group.get("S") or 0), int(micro.ljust(6, "0")) if micro else 0)

    return parse
