"""Digest definitions: the rule grammar (durations, bounds, change alerts) and the one
validation, `DigestDefinition.from_dict`, with every expected value worked out by hand."""

from __future__ import annotations

from datetime import time

import pytest

from kpi_engine.digests.definitions import (
    DIGEST_PERIODS,
    MAX_KPIS,
    Days,
    DigestDefinition,
    DigestInvalid,
    DigestKpi,
)
from kpi_engine.digests.rules import (
    Bound,
    ChangeAlert,
    Comparison,
    compact_duration,
    parse_amount,
    parse_bound,
    parse_change_alert,
    parse_duration,
)
from kpi_engine.errors import UserError
from kpi_engine.metrics import get_metric
from kpi_engine.periods import CalendarUnit
from kpi_engine.query import Filter
from kpi_engine.vocabulary import Dimension

AT_LEAST, AT_MOST, ABOVE, BELOW = (Comparison.AT_LEAST, Comparison.AT_MOST, Comparison.ABOVE,
                                   Comparison.BELOW)


def digest(**fields):
    """A valid mapping, with `fields` replacing or adding entries (None removes one)."""
    data = {"name": "Morning pulse", "channel": "C0123ABC", "at": "09:00", "kpis": ["fcr"]}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(("text", "seconds"), [
    ("1h", 3600), ("90s", 90), ("1.5h", 5400), ("2d 4h", 187_200), ("30 min", 1800),
    ("1h30min", 5400), ("1 hour 5 mins", 3900), ("45", 45), ("2 days", 172_800),
    ("10 seconds", 10), ("1H 1M 1S", 3661), ("0", 0),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("text", "words"), [
    ("soon", "not a duration"), ("-5min", "cannot be negative"), ("1h xyz", "not a duration"),
    ("", "not a duration"), ("1h, 30min", "not a duration"), ("-5", "cannot be negative"),
])
def test_parse_duration_refuses(text, words):
    with pytest.raises(ValueError, match=words):
        parse_duration(text)


@pytest.mark.parametrize(("seconds", "text"), [
    (3600, "1h"), (5400, "1h30min"), (90, "1min30s"), (0, "0s"), (187_200, "2d4h"),
    (3661, "1h1min1s"), (86_400, "1d"), (90.5, "90.5s"),
])
def test_compact_duration(seconds, text):
    assert compact_duration(seconds) == text


@pytest.mark.parametrize(("text", "given", "metric", "comparison", "value"), [
    ("fcr >= 75%", None, "fcr", AT_LEAST, 0.75), ("fcr>=0.75", None, "fcr", AT_LEAST, 0.75),
    ("FCR ≥ 75%", None, "fcr", AT_LEAST, 0.75), ("fcr => 75 %", None, "fcr", AT_LEAST, 0.75),
    ("first contact resolution >= 80%", None, "fcr", AT_LEAST, 0.80),
    ("frt <= 1h", None, "frt", AT_MOST, 3600), ("frt ≤ 30min", None, "frt", AT_MOST, 1800),
    ("aht < 90s", None, "aht", BELOW, 90), ("backlog<=200", None, "backlog", AT_MOST, 200),
    ("ticket_volume =< 1,204", None, "ticket_volume", AT_MOST, 1204),
    ("ces >= 5.5", None, "ces", AT_LEAST, 5.5), ("nps > 20", None, "nps", ABOVE, 20),
    ("nps > -100", None, "nps", ABOVE, -100),
    # the metric known (a KPI's own target), the text naming it or not
    (">= 75%", "fcr", "fcr", AT_LEAST, 0.75), ("fcr >= 75%", "fcr", "fcr", AT_LEAST, 0.75),
    ("<= 1h 30min", "frt", "frt", AT_MOST, 5400), ("< 7", "ces", "ces", BELOW, 7),
])
def test_parse_bound(text, given, metric, comparison, value):
    found, bound = parse_bound(text, get_metric(given) if given else None)
    assert found.id == metric
    assert bound == Bound(comparison=comparison, value=value)


@pytest.mark.parametrize(("text", "metric", "words"), [
    ("fcr >= 75", None, r"fcr is a rate: write 75%"),
    ("fcr >= 120%", None, "not between 0% and 100%"),
    ("fcr >= -5%", None, "not between 0% and 100%"), ("fcr >= lots", None, "not a rate"),
    ("ces >= 9", None, "ces goes from 1 to 7, not 9"),
    ("nps > 101", None, "nps goes from -100 to 100"),
    ("backlog <= -1", None, "backlog goes at least 0"), ("frt <= soon", None, "not a duration"),
    ("fcr = 75%", None, "not a condition such as"), ("fcr 75%", None, "not a condition such"),
    (">= 75%", None, "names no KPI"), ("frt >= 75%", "fcr", "names frt, not fcr"),
])
def test_parse_bound_refuses(text, metric, words):
    with pytest.raises(ValueError, match=words):
        parse_bound(text, get_metric(metric) if metric else None)


def test_parse_bound_refuses_an_unknown_metric_and_suggests_the_near_one():
    with pytest.raises(UserError, match="no KPI called 'fcrr'") as refused:
        parse_bound("fcrr >= 75%")
    assert "fcr" in refused.value.suggestions


@pytest.mark.parametrize(("metric", "text", "value"), [
    ("fcr", "0", 0), ("fcr", "100%", 1), ("csat", "82.5%", 0.825), ("backlog", "0", 0),
    ("ces", "1", 1), ("ces", "7", 7), ("nps", "-100", -100), ("aht", "2m", 120),
])
def test_parse_amount_edges_of_each_scale(metric, text, value):
    assert parse_amount(get_metric(metric), text) == value


@pytest.mark.parametrize(("comparison", "bound", "below", "at", "above"), [
    (AT_LEAST, 0.75, False, True, True), (AT_MOST, 3600, True, True, False),
    (ABOVE, 20, False, False, True), (BELOW, 200, True, False, False),
])
def test_bound_holds(comparison, bound, below, at, above):
    rule = Bound(comparison=comparison, value=bound)
    step = 0.01 if bound < 1 else 1
    assert (rule.holds(bound - step), rule.holds(bound), rule.holds(bound + step)) == \
        (below, at, above)


@pytest.mark.parametrize(("metric", "comparison", "value", "described", "text"), [
    ("fcr", AT_LEAST, 0.75, "≥ 75%", ">= 75%"),
    ("csat", ABOVE, 0.825, "> 82.5%", "> 82.5%"),
    ("frt", AT_MOST, 3600, "≤ 1 h", "<= 1h"),
    ("frt", AT_MOST, 5400, "≤ 1 h 30 min", "<= 1h30min"),
    ("aht", BELOW, 90, "< 1 min 30 s", "< 1min30s"),
    ("resolution_time", AT_MOST, 187_200, "≤ 2 d 4 h", "<= 2d4h"),
    ("backlog", AT_MOST, 200, "≤ 200", "<= 200"),
    ("ces", AT_LEAST, 5.5, "≥ 5.5", ">= 5.5"),
    ("nps", ABOVE, 20, "> 20", "> 20"),
])
def test_bound_describe_and_to_text_round_trip(metric, comparison, value, described, text):
    entry = get_metric(metric)
    bound = Bound(comparison=comparison, value=value)
    assert bound.describe(entry) == described
    assert bound.to_text(entry) == text
    assert parse_bound(text, entry) == (entry, bound)


def test_a_large_count_bound_round_trips():
    entry = get_metric("ticket_volume")
    bound = Bound(comparison=AT_MOST, value=1_000_000)
    assert bound.to_text(entry) == "<= 1000000"
    assert parse_bound(bound.to_text(entry), entry) == (entry, bound)


@pytest.mark.parametrize(("metric", "text", "amount", "relative", "described", "written"), [
    ("csat", "10pts", 0.10, False, "10 pts", "10pts"),
    ("csat", "2.5 points", 0.025, False, "2.5 pts", "2.5pts"),
    ("csat", "10%", 0.10, True, "10%", "10%"),
    ("fcr", "-5pp", 0.05, False, "5 pts", "5pts"),
    ("frt", "5min", 300, False, "5 min", "5min"),
    ("frt", "25%", 0.25, True, "25%", "25%"),
    ("ces", "0.5", 0.5, False, "0.5", "0.5"),
    ("nps", "10", 10, False, "10", "10"),
    ("ticket_volume", "30%", 0.30, True, "30%", "30%"),
])
def test_parse_change_alert(metric, text, amount, relative, described, written):
    entry = get_metric(metric)
    alert = parse_change_alert(entry, text)
    assert alert == ChangeAlert(amount=amount, relative=relative)
    assert alert.describe(entry) == described
    assert alert.to_text(entry) == written
    assert parse_change_alert(entry, written) == alert


@pytest.mark.parametrize(("metric", "text", "words"), [
    ("backlog", "10%", "backlog is a level"), ("backlog", "20", "backlog is a level"),
    ("ticket_volume", "10pts", "ticket_volume is a count: give the change as a percentage"),
    ("resolved", "50", "is a count"),
    ("csat", "10", "not a change of a rate such as 10pts or 10%"),
    ("csat", "-0%", "not a percentage"), ("frt", "0s", "not a change such as"),
    ("ces", "a lot", "not a change such as"),
])
def test_parse_change_alert_refuses(metric, text, words):
    with pytest.raises(ValueError, match=words):
        parse_change_alert(get_metric(metric), text)


FULL = {
    "name": "  Morning   pulse ", "channel": "<#C0123ABC|support>", "at": "9:05",
    "tz": "Europe/Berlin", "days": "Mon-Fri", "period": "Last Week",
    "where": {"tier": [1, 2], "channel": "chat,email"},
    "kpis": [{"metric": "fcr", "target": ">= 75%", "threshold": ">= 65%", "change_alert": "10pts"},
             {"metric": "first response time", "target": "<= 1h", "change_alert": "10%"},
             "csat"],
}


def test_from_dict_reads_every_field():
    definition = DigestDefinition.from_dict(FULL, default_tz="UTC", digest_id="d1")
    assert (definition.id, definition.key, definition.unit) == ("d1", "morning pulse",
                                                                 CalendarUnit.WEEK)
    assert definition == DigestDefinition(
        name="Morning pulse", channel_id="C0123ABC", at=time(9, 5), tz="Europe/Berlin",
        days=Days.WEEKDAYS, period="last week",
        filters=(Filter(dimension=Dimension.TIER, values=("1", "2")),
                 Filter(dimension=Dimension.CHANNEL, values=("chat", "email"))),
        kpis=(DigestKpi(metric="fcr", target=Bound(comparison=AT_LEAST, value=0.75),
                        threshold=Bound(comparison=AT_LEAST, value=0.65),
                        change_alert=ChangeAlert(amount=0.10, relative=False)),
              DigestKpi(metric="frt", target=Bound(comparison=AT_MOST, value=3600),
                        change_alert=ChangeAlert(amount=0.10, relative=True)),
              DigestKpi(metric="csat")))
    assert [kpi.alerts for kpi in definition.kpis] == [True, True, False]
    assert definition.to_dict() == {
        "name": "Morning pulse", "channel": "C0123ABC", "at": "09:05", "tz": "Europe/Berlin",
        "days": "weekdays", "period": "last week",
        "where": {"tier": ["1", "2"], "channel": ["chat", "email"]},
        "kpis": [{"metric": "fcr", "target": ">= 75%", "threshold": ">= 65%",
                  "change_alert": "10pts"},
                 {"metric": "frt", "target": "<= 1h", "change_alert": "10%"}, "csat"]}


def test_from_dict_defaults():
    definition = DigestDefinition.from_dict(digest(), default_tz="America/New_York")
    assert (definition.tz, definition.days, definition.period, definition.filters) == \
        ("America/New_York", Days.DAILY, "yesterday", ())
    assert definition.unit is CalendarUnit.DAY
    assert definition.id is None
    assert DigestDefinition.from_dict(digest(tz="  ")).tz == "UTC"
    assert DIGEST_PERIODS == {"yesterday": CalendarUnit.DAY, "last week": CalendarUnit.WEEK,
                              "last month": CalendarUnit.MONTH}
    assert (Days.DAILY.words, Days.WEEKDAYS.words) == ("every day", "weekdays")


@pytest.mark.parametrize(("field", "given", "expected"), [
    ("at", "09:00", time(9, 0)), ("at", "9:05", time(9, 5)), ("at", "9am", time(9, 0)),
    ("at", "9 AM", time(9, 0)), ("at", "12am", time(0, 0)), ("at", "12pm", time(12, 0)),
    ("at", "5:30pm", time(17, 30)), ("at", "0:00", time(0, 0)), ("at", "23:59", time(23, 59)),
    ("at", 540, time(9, 0)), ("at", 1050, time(17, 30)), ("at", 0, time(0, 0)),
    ("at", time(7, 45, 30), time(7, 45)),
    ("channel", "C0123ABC", "C0123ABC"), ("channel", "<#C0123ABC|support>", "C0123ABC"),
    ("channel", "<#C0123ABC>", "C0123ABC"), ("channel", " G01PRIVATE ", "G01PRIVATE"),
    ("channel", "D0DM1", "D0DM1"),
    ("days", "weekdays", Days.WEEKDAYS), ("days", "mon-fri", Days.WEEKDAYS),
    ("days", "Monday  to Friday", Days.WEEKDAYS), ("days", "every day", Days.DAILY),
    ("days", "daily", Days.DAILY), ("period", "last week", "last week"),
    ("period", "LAST  MONTH", "last month"), ("period", "yesterday", "yesterday"),
    ("tz", " Asia/Kolkata ", "Asia/Kolkata"), ("name", " Morning \t pulse ", "Morning pulse"),
])
def test_fields(field, given, expected):
    definition = DigestDefinition.from_dict(digest(**{field: given}))
    assert getattr(definition, "channel_id" if field == "channel" else field) == expected


@pytest.mark.parametrize(("field", "given", "words"), [
    *[("at", given, "not a time of day") for given in
      ["24:00", "9:60", "13pm", "0am", "noon", "9.30", 1440, True]],
    *[("channel", given, "not a Slack channel id") for given in
      ["#general", "general", "c0123abc", "<@U0123ABC>"]],
    ("days", "fortnightly", "not a day"), ("period", "today", "a digest covers"),
    ("period", "last 7 days", "a digest covers"), ("tz", "Mars/Base", "unknown time zone"),
    ("name", "x" * 81, "at most 80 characters"), ("name", "bell\x07", "control characters"),
])
def test_fields_refused(field, given, words):
    with pytest.raises(DigestInvalid, match=words) as refused:
        DigestDefinition.from_dict(digest(**{field: given}))
    assert list(refused.value.errors) == [field]


@pytest.mark.parametrize(("where", "filters"), [
    ({"tier": 1}, ((Dimension.TIER, ("1",)),)),
    ({"channel": ["chat", "email"]}, ((Dimension.CHANNEL, ("chat", "email")),)),
    ({"Tiers": "1,2", "team": "billing"}, ((Dimension.TIER, ("1", "2")),
                                           (Dimension.TEAM, ("billing",)))),
    (["tier=1"], ((Dimension.TIER, ("1",)),)),
    ("tier=1; channel=Chat", ((Dimension.TIER, ("1",)), (Dimension.CHANNEL, ("chat",)))),
])
def test_filters(where, filters):
    definition = DigestDefinition.from_dict(digest(where=where))
    assert definition.filters == tuple(Filter(dimension=d, values=v) for d, v in filters)


@pytest.mark.parametrize(("where", "words"), [
    ({"kind": "csat"}, "cannot filter by survey kind"),
    (["tier=9"], r"tier '9' does not exist.*did you mean 1 or 2 or 3"),
    (["tier=1", "tier=2"], "filtered twice"),
    ({"colour": "red"}, "not something kpibot can filter"),
    (["tier"], "is not DIM=VALUE"),
])
def test_filters_refused(where, words):
    with pytest.raises(DigestInvalid, match=words) as refused:
        DigestDefinition.from_dict(digest(where=where))
    assert list(refused.value.errors) == ["where"]


TWELVE = ["ticket_volume", "resolved", "backlog", "frt", "resolution_time", "aht", "hold_time",
          "fcr", "reopen_rate", "escalation_rate", "csat", "ces"]


@pytest.mark.parametrize(("kpis", "metrics"), [
    (["fcr", "csat"], ("fcr", "csat")), ("fcr, csat", ("fcr", "csat")),
    ("FCR,first response time,", ("fcr", "frt")),
    ([{"metric": "backlog", "threshold": "<= 200"}], ("backlog",)),
    (TWELVE, tuple(TWELVE)),  # MAX_KPIS
])
def test_kpis_by_name(kpis, metrics):
    definition = DigestDefinition.from_dict(digest(kpis=kpis))
    assert tuple(kpi.metric for kpi in definition.kpis) == metrics
    assert MAX_KPIS == 12


@pytest.mark.parametrize(("kpis", "words"), [
    ([], "name at least one KPI"), (" , ", "name at least one KPI"), ("", "missing"),
    ([*TWELVE, "nps"], "at most 12 KPIs"),
    (["fcr", "csat", "first contact resolution"], "fcr named twice"),
    (["fcrr"], "no KPI called 'fcrr'"),
    ([{"metric": "fcr", "goal": ">= 75%"}], "goal: a KPI has metric, target"),
    ([{"target": ">= 75%"}], "a KPI is a name, or a table"),
    ([{"metric": "fcr", "target": ">= 75"}], "fcr target: fcr is a rate: write 75%"),
    ([{"metric": "fcr", "threshold": "frt <= 1h"}], "fcr threshold: .* names frt, not fcr"),
    ([{"metric": "backlog", "change_alert": "10%"}], "backlog change alert: backlog is a level"),
])
def test_kpis_refused(kpis, words):
    with pytest.raises(DigestInvalid, match=words) as refused:
        DigestDefinition.from_dict(digest(kpis=kpis))
    assert list(refused.value.errors) == ["kpis"]


def test_every_problem_is_collected_by_field():
    with pytest.raises(DigestInvalid) as refused:
        DigestDefinition.from_dict(digest(channel="#general", at="25:00", kpis=["fcrr"]))
    errors = refused.value.errors
    assert set(errors) == {"channel", "at", "kpis"}
    assert "not a Slack channel id" in errors["channel"]
    assert "not a time of day" in errors["at"]
    assert "no KPI called 'fcrr'" in errors["kpis"]
    assert isinstance(refused.value, UserError)
    assert refused.value.message.startswith("channel: ")


@pytest.mark.parametrize(("data", "errors"), [
    (digest(name=None), {"name": "missing"}),
    (digest(name="   "), {"name": "missing"}),
    (digest(name=None, channel=None, at=None, kpis=None),
     {"name": "missing", "channel": "missing", "at": "missing", "kpis": "missing"}),
    (digest(colour="blue"), {"digest": "unknown field 'colour': the fields are name, channel, "
                                       "at, tz, days, period, where, kpis"}),
    (["not", "a", "mapping"], {"digest": "a digest is a table of name, channel, at, kpis, …"}),
])
def test_exact_errors(data, errors):
    with pytest.raises(DigestInvalid) as refused:
        DigestDefinition.from_dict(data)
    assert refused.value.errors == errors


@pytest.mark.parametrize("data", [
    digest(),
    FULL,
    digest(tz="Asia/Kolkata", days="weekdays", period="last month", where=["tag=vip,billing"]),
    digest(kpis=[{"metric": "aht", "target": "< 1.5min", "change_alert": "30s"},
                 {"metric": "ces", "threshold": ">= 5.5", "change_alert": "0.5"},
                 {"metric": "nps", "target": "> -20"},
                 {"metric": "ticket_volume", "change_alert": "30%"},
                 {"metric": "reopen_rate", "threshold": "<= 12.5%", "change_alert": "2pts"}]),
])
def test_to_dict_from_dict_round_trip(data):
    definition = DigestDefinition.from_dict(data, digest_id="d7")
    assert DigestDefinition.from_dict(definition.to_dict()) == definition
