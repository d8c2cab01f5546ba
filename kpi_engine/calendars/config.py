"""The configured calendars: the workspace's from the settings (`KPIBOT_BUSINESS_HOURS`,
`KPIBOT_BUSINESS_TZ` — the workspace zone when unset —, `KPIBOT_HOLIDAYS`) and the teams' own
from a YAML or TOML file (`KPIBOT_BUSINESS_CALENDARS`):

    teams:
      billing:
        hours: mon-fri 08:00-16:00
        tz: America/New_York
        holidays: US-NY
      support-apac: {hours: "mon-fri 09:00-18:00", tz: Asia/Singapore, holidays: SG}

A field a team leaves out is the workspace's. Every problem is one sentence naming the file,
the team and what is valid.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from kpi_engine.calendars.model import (
    HOURS_EXAMPLE,
    BusinessCalendar,
    CalendarError,
    CalendarSet,
    parse_holidays,
    parse_hours,
    parse_zone,
)

TEAM_FIELDS = ("hours", "tz", "holidays")
FILE_EXAMPLE = "teams: {billing: {hours: 'mon-fri 08:00-16:00', tz: America/New_York, " \
               "holidays: US}}"


def configured_calendars(settings) -> CalendarSet:
    """The calendars the settings configure (cached while the settings and the file are the
    same); a CalendarError, one sentence, for anything that cannot be read."""
    path = settings.business_calendars
    stamp = None
    if path:
        try:
            stamp = os.stat(path).st_mtime_ns
        except OSError:
            raise CalendarError(f"KPIBOT_BUSINESS_CALENDARS: no such file: {path}",
                                [FILE_EXAMPLE]) from None
    return _calendars(settings.business_hours, settings.business_tz or settings.tz,
                      settings.holidays, path or None, stamp)


@lru_cache(maxsize=8)
def _calendars(hours: str, tz: str, holidays: str, path: str | None,
               stamp: int | None) -> CalendarSet:
    workspace = BusinessCalendar(
        week=_setting(parse_hours, hours, "KPIBOT_BUSINESS_HOURS"),
        tz=parse_zone(tz, what="KPIBOT_BUSINESS_TZ"),
        **dict(zip(("regions", "dates"), _setting(parse_holidays, holidays, "KPIBOT_HOLIDAYS"))),
    )
    teams = load_team_calendars(Path(path), workspace) if path else {}
    return CalendarSet(workspace=workspace, teams=teams)


def _setting(parse, value, name: str):
    try:
        return parse(value)
    except CalendarError as error:
        message = error.message.removeprefix("business hours: ").removeprefix("holidays: ")
        raise CalendarError(f"{name}: {message}", error.suggestions) from None


def load_team_calendars(path: Path, workspace: BusinessCalendar) -> dict[str, BusinessCalendar]:
    """The teams' calendars of a YAML or TOML file; what a team leaves out is the workspace's."""
    data = _read(path)
    if not isinstance(data, Mapping) or set(data) - {"teams"} or \
            not isinstance(data.get("teams"), Mapping):
        raise CalendarError(f"{path}: a calendars file holds one table, teams, with a table of "
                            "hours, tz and holidays for each team", [FILE_EXAMPLE])
    teams: dict[str, BusinessCalendar] = {}
    for name, fields in data["teams"].items():
        team = str(name).strip()
        if not team:
            raise CalendarError(f"{path}: a team without a name", [FILE_EXAMPLE])
        if team.lower() in teams:
            raise CalendarError(f"{path}: team {team!r} is given twice (names are compared "
                                "without case)")
        teams[team.lower()] = _team_calendar(path, team, fields, workspace)
    return teams


def _team_calendar(path: Path, team: str, fields: Any,
                   workspace: BusinessCalendar) -> BusinessCalendar:
    if not isinstance(fields, Mapping):
        raise CalendarError(f"{path}: team {team!r} needs a table of hours, tz and holidays",
                            [FILE_EXAMPLE])
    unknown = sorted(str(key) for key in fields if key not in TEAM_FIELDS)
    if unknown:
        raise CalendarError(f"{path}: team {team!r} has unknown field {unknown[0]!r}: a team's "
                            "fields are hours, tz and holidays", [FILE_EXAMPLE])
    try:
        week = parse_hours(str(fields["hours"])) if fields.get("hours") else workspace.week
        tz = parse_zone(str(fields["tz"])) if fields.get("tz") else workspace.tz
        if "holidays" in fields:
            regions, dates = parse_holidays(fields["holidays"] or "")
        else:
            regions, dates = workspace.regions, workspace.dates
    except CalendarError as error:
        raise CalendarError(f"{path}: team {team!r}: {error.message}",
                            error.suggestions or [HOURS_EXAMPLE]) from None
    return BusinessCalendar(week=week, tz=tz, regions=regions, dates=dates)


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CalendarError(f"cannot read the calendars file {path}: "
                            f"{getattr(error, 'strerror', None) or error}") from None
    if path.suffix.lower() == ".toml":
        import tomllib

        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise CalendarError(f"{path} is not valid TOML: {error}") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise CalendarError(f"{path} is not valid YAML{where}: "
                            f"{getattr(error, 'problem', None) or 'unreadable'}") from None
