"""Tests for kpi_engine.samples.data: the demo and benchmark dataset.

What the demo, the benchmarks and the import tests rely on: the same spec gives the same bytes;
every row is a valid canonical record (consistent timestamps, values from the vocabulary, nothing
after the end); the shape looks like a real desk (weekly and daily rhythm, channel / priority /
tier mix, an outage week, returning customers, agents who differ); surveys follow the request /
response rules and the scales; and generation streams.
"""

from __future__ import annotations

import csv
import re
import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from kpi_engine.samples.data import write_csv
from kpi_engine.samples.desk import AGENTS, TAGS
from kpi_engine.samples.hours import TimestampFormatter
from kpi_engine.samples.spec import SURVEY_COLUMNS, TICKET_COLUMNS, SampleSpec
from kpi_engine.samples.tickets import generate
from kpi_engine.vocabulary import CHANNELS, PRIORITIES, STATUSES, SURVEY_SCALES, TIERS, SurveyKind

END = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)
N = 5_000
SPEC = SampleSpec(N, end=END)


def parse(text: str) -> datetime | None:
    if text == "":
        return None
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


class Dataset:
    """One generated dataset with its timestamps parsed once."""

    def __init__(self, spec: SampleSpec) -> None:
        self.spec = spec
        self.tickets: list[dict] = []
        self.surveys: list[dict] = []
        for ticket, surveys in generate(spec):
            self.tickets.append(ticket)
            self.surveys.extend(surveys)
        self.times = [
            {k: parse(t[k]) for k in ("created_at", "first_response_at", "solved_at")}
            for t in self.tickets
        ]
        self.by_id = {t["id"]: (t, times) for t, times in zip(self.tickets, self.times)}

    def share(self, condition) -> float:
        return sum(1 for t in self.tickets if condition(t)) / len(self.tickets)


@pytest.fixture(scope="module")
def data() -> Dataset:
    return Dataset(SPEC)


# ---------------------------------------------------------------------------------------------
# Determinism and streaming


def test_same_spec_gives_equal_rows():
    first = list(generate(SampleSpec(1_500, end=END, seed=11, tz="Europe/Berlin")))
    second = list(generate(SampleSpec(1_500, end=END, seed=11, tz="Europe/Berlin")))
    assert first == second


def test_other_seed_gives_other_rows():
    first = [t for t, _ in generate(SampleSpec(300, end=END, seed=1))]
    second = [t for t, _ in generate(SampleSpec(300, end=END, seed=2))]
    assert first != second


def test_write_csv_is_byte_identical(tmp_path):
    spec = SampleSpec(1_500, end=END, seed=3)
    paths = []
    for run in ("a", "b"):
        tickets, surveys = tmp_path / f"tickets-{run}.csv", tmp_path / f"surveys-{run}.csv"
        write_csv(spec, tickets, surveys)
        paths.append((tickets.read_bytes(), surveys.read_bytes()))
    assert paths[0] == paths[1]


def test_generate_streams():
    # Ten million tickets: the first rows come at once, so nothing holds all of them.
    rows = list(islice(generate(SampleSpec(10_000_000, end=END)), 5))
    assert [t["id"] for t, _ in rows] == [f"T{i:08d}" for i in range(1, 6)]


# ---------------------------------------------------------------------------------------------
# Every ticket is a valid canonical record


def test_ticket_rows_have_the_canonical_columns_as_strings(data):
    for ticket in data.tickets:
        assert tuple(ticket) == TICKET_COLUMNS
        assert all(isinstance(value, str) for value in ticket.values())


def test_ids_unique_and_in_created_order(data):
    ids = [t["id"] for t in data.tickets]
    assert len(set(ids)) == N
    assert all(re.fullmatch(r"T\d{6}", i) for i in ids)
    assert ids == sorted(ids)
    created = [times["created_at"] for times in data.times]
    assert created == sorted(created)


def test_created_within_the_days_before_end(data):
    start = END - timedelta(days=SPEC.days)
    for times in data.times:
        assert start <= times["created_at"] < END


def test_timestamps_are_consistent_and_never_after_end(data):
    for ticket, times in zip(data.tickets, data.times):
        created, first, solved = times["created_at"], times["first_response_at"], times["solved_at"]
        if first is not None:
            assert created <= first < END, ticket
        if solved is not None:
            assert created <= solved < END, ticket
            if first is not None:
                assert first <= solved, ticket
        for value in times.values():
            assert value is None or value.microsecond == 0


def test_status_agrees_with_timestamps(data):
    for ticket, times in zip(data.tickets, data.times):
        status = ticket["status"]
        assert status in STATUSES
        assert (times["solved_at"] is not None) == (status in ("solved", "closed")), ticket
        if status == "new":
            assert times["first_response_at"] is None, ticket
        if status in ("open", "pending"):
            assert times["first_response_at"] is not None, ticket
        if status == "closed":
            assert END - times["solved_at"] > timedelta(days=4)


def test_fields_take_allowed_values(data):
    for ticket in data.tickets:
        assert ticket["channel"] in CHANNELS
        assert ticket["priority"] in PRIORITIES
        assert ticket["tier"] in TIERS
        assert ticket["agent"] in AGENTS
        team, tier = AGENTS[ticket["agent"]]
        assert ticket["team"] == team
        assert ticket["tier"] == str(tier)  # the entry tier is the agent's tier
        assert ticket["escalated"] in ("true", "false")
        assert ticket["source"] == ("slack" if ticket["channel"] == "slack" else "zendesk")
        assert re.fullmatch(r"cust-\d{6}|[a-z]+\.[a-z]+\d*@[a-z]+\.[a-z]+", ticket["customer"])


def test_counts_are_consistent(data):
    for ticket, times in zip(data.tickets, data.times):
        replies = int(ticket["agent_replies"])
        assert 0 <= replies <= 6
        assert (replies == 0) == (times["first_response_at"] is None), ticket
        assert int(ticket["customer_messages"]) >= 1
        assert int(ticket["reopens"]) >= 0
        if replies == 0:
            assert ticket["escalated"] == "false" and ticket["reopens"] == "0"
        if ticket["escalated"] == "true" or ticket["reopens"] != "0":
            assert replies >= 2  # not a one-touch resolution


def test_handle_and_hold_times(data):
    for ticket in data.tickets:
        handle, hold = ticket["handle_time_seconds"], ticket["hold_time_seconds"]
        answered = ticket["agent_replies"] != "0"
        if not answered:
            assert handle == "" and hold == ""
            continue
        if ticket["channel"] in ("phone", "chat", "slack"):
            assert int(handle) > 0
        if ticket["channel"] == "phone":
            assert 0 <= int(hold) <= 900
            assert int(handle) >= int(hold)
        else:
            assert hold == ""
    email = [t for t in data.tickets if t["channel"] == "email" and t["agent_replies"] != "0"]
    missing = sum(1 for t in email if t["handle_time_seconds"] == "") / len(email)
    assert 0.4 < missing < 0.8
    holds = [int(t["hold_time_seconds"]) for t in data.tickets if t["hold_time_seconds"]]
    assert 0.25 < holds.count(0) / len(holds) < 0.55
    assert sum(1 for h in holds if h <= 300) / len(holds) > 0.9


def test_tags(data):
    for ticket in data.tickets:
        tags = ticket["tags"].split(";") if ticket["tags"] else []
        assert len(tags) <= 3
        assert len(set(tags)) == len(tags)
        assert set(tags) <= set(TAGS)
    assert 0.02 < data.share(lambda t: "complaint" in t["tags"].split(";")) < 0.07


# ---------------------------------------------------------------------------------------------
# The shape of a real desk


def test_channel_priority_and_tier_mix(data):
    expected = {
        "channel": {"chat": 0.35, "email": 0.35, "phone": 0.15, "web": 0.08, "social": 0.05,
                    "slack": 0.02},
        "priority": {"low": 0.20, "normal": 0.55, "high": 0.18, "urgent": 0.07},
        "tier": {"1": 0.65, "2": 0.25, "3": 0.10},
    }
    for field, shares in expected.items():
        counts = Counter(t[field] for t in data.tickets)
        assert set(counts) == set(shares)
        for value, share in shares.items():
            assert counts[value] / N == pytest.approx(share, abs=0.03), (field, value)
    assert set(Counter(t["team"] for t in data.tickets)) == {
        "billing", "technical", "accounts", "onboarding"
    }


def test_weekends_get_about_a_third_of_a_weekday():
    spec = SampleSpec(N, end=END, tz="America/Chicago")
    zone = ZoneInfo(spec.tz)
    per_day = Counter(parse(t["created_at"]).astimezone(zone).date() for t, _ in generate(spec))
    first, last = min(per_day), max(per_day)
    days = [first + timedelta(days=i) for i in range(1, (last - first).days)]  # whole days only
    weekday = statistics.mean(per_day[d] for d in days if d.weekday() < 5)
    weekend = statistics.mean(per_day[d] for d in days if d.weekday() >= 5)
    assert 0.22 < weekend / weekday < 0.45


def test_daily_rhythm_peaks_late_morning_local_time():
    spec = SampleSpec(N, end=END, tz="Asia/Tokyo")
    hours = Counter()
    for ticket, _ in generate(spec):
        created = parse(ticket["created_at"])
        assert created.utcoffset() == timedelta(hours=9)  # written in the desk's zone
        hours[created.hour] += 1
    peak = max(hours, key=hours.get)
    assert 9 <= peak <= 13
    assert hours[peak] > 5 * hours[3]


def test_one_outage_week_with_more_complaints(data):
    outage_days = Counter(
        times["created_at"].date()
        for t, times in zip(data.tickets, data.times)
        if "outage" in t["tags"].split(";")
    )
    first = min(d for d, c in outage_days.items() if c >= 10)
    in_week = sum(c for d, c in outage_days.items() if first <= d < first + timedelta(days=7))
    assert in_week / sum(outage_days.values()) > 0.85

    def complaint_share(inside: bool) -> float:
        rows = [
            t for t, times in zip(data.tickets, data.times)
            if (first <= times["created_at"].date() < first + timedelta(days=7)) == inside
        ]
        return sum("complaint" in t["tags"].split(";") for t in rows) / len(rows)

    assert complaint_share(True) > 2.5 * complaint_share(False)


def test_service_levels(data):
    assert 0.015 < data.share(lambda t: t["first_response_at"] == "") < 0.06
    assert 0.01 < data.share(lambda t: t["status"] in ("new", "open", "pending")) < 0.05
    assert 0.06 < data.share(lambda t: t["escalated"] == "true") < 0.13
    solved = [t for t in data.tickets if t["solved_at"]]
    assert 0.04 < sum(t["reopens"] != "0" for t in solved) / len(solved) < 0.10
    touched = [t for t in solved if t["agent_replies"] != "0"]
    fcr = sum(
        t["agent_replies"] == "1" and t["reopens"] == "0" and t["escalated"] == "false"
        for t in touched
    ) / len(touched)
    assert 0.62 < fcr < 0.78
    replies = Counter(t["agent_replies"] for t in touched)
    assert (replies["1"] + replies["2"]) / len(touched) > 0.75


def test_open_tickets_are_mostly_recent(data):
    recent = END - timedelta(days=14)
    open_created = [
        times["created_at"] for t, times in zip(data.tickets, data.times) if not t["solved_at"]
    ]
    share_recent = sum(c >= recent for c in open_created) / len(open_created)
    assert share_recent > 0.6  # 14 of 120 days hold most of the backlog, as on a real desk


def test_first_response_fast_on_live_channels_slow_on_email(data):
    def median_wait(channel: str) -> float:
        return statistics.median(
            (times["first_response_at"] - times["created_at"]).total_seconds()
            for t, times in zip(data.tickets, data.times)
            if t["channel"] == channel and times["first_response_at"]
        )

    assert median_wait("phone") < 120
    assert median_wait("chat") < 600
    assert 3600 < median_wait("email") < 86400


def test_customers_come_back(data):
    created_by_customer = defaultdict(list)
    for t, times in zip(data.tickets, data.times):
        created_by_customer[t["customer"]].append(times["created_at"])
    solved = [(t, times) for t, times in zip(data.tickets, data.times) if times["solved_at"]]
    avoided = sum(
        not any(
            times["solved_at"] < c <= times["solved_at"] + timedelta(days=7)
            for c in created_by_customer[t["customer"]]
        )
        for t, times in solved
    )
    assert 0.5 < avoided / len(solved) < 0.95
    assert any("@" in c for c in created_by_customer)


def test_agents():
    assert 20 <= len(AGENTS) <= 30
    assert "Asha Rao" in AGENTS
    first_names = Counter(name.split()[0] for name in AGENTS)
    assert max(first_names.values()) >= 2
    teams = {team for team, _ in AGENTS.values()}
    assert teams == {"billing", "technical", "accounts", "onboarding"}
    assert {tier for _, tier in AGENTS.values()} == {1, 2, 3}


def test_agents_differ(data):
    touched = defaultdict(list)
    for t in data.tickets:
        if t["solved_at"] and t["agent_replies"] != "0":
            touched[t["agent"]].append(
                t["agent_replies"] == "1" and t["reopens"] == "0" and t["escalated"] == "false"
            )
    assert set(touched) == set(AGENTS)
    fcr = {agent: statistics.mean(v) for agent, v in touched.items() if len(v) >= 100}
    assert max(fcr.values()) - min(fcr.values()) > 0.08


# ---------------------------------------------------------------------------------------------
# Surveys


def test_survey_rows_follow_the_request_and_response_rules(data):
    seen = set()
    for survey in data.surveys:
        assert tuple(survey) == SURVEY_COLUMNS
        assert all(isinstance(value, str) for value in survey.values())
        ticket, times = data.by_id[survey["ticket_id"]]
        key = (survey["ticket_id"], survey["kind"])
        assert key not in seen
        seen.add(key)
        assert survey["source"] == ticket["source"]
        assert times["solved_at"] is not None and ticket["agent_replies"] != "0"
        sent = parse(survey["sent_at"])
        assert times["solved_at"] < sent < END
        responded = parse(survey["responded_at"])
        if survey["score"] == "":
            assert responded is None and survey["comment"] == ""
        else:
            low, high = SURVEY_SCALES[SurveyKind(survey["kind"])]
            assert low <= int(survey["score"]) <= high
            assert sent <= responded < END
        if survey["kind"] in ("csat", "ces"):
            assert ticket["channel"] in ("slack", "chat", "email")
    by_ticket = defaultdict(dict)
    for survey in data.surveys:
        by_ticket[survey["ticket_id"]][survey["kind"]] = survey
    for kinds in by_ticket.values():
        assert ("csat" in kinds) == ("ces" in kinds)  # CES is asked with CSAT
        if "csat" in kinds:
            assert kinds["ces"]["sent_at"] == kinds["csat"]["sent_at"]
            if kinds["ces"]["score"]:
                assert kinds["csat"]["score"]
                assert kinds["ces"]["responded_at"] >= kinds["csat"]["responded_at"]


def test_survey_volumes_and_scores(data):
    eligible = [
        t for t in data.tickets
        if t["solved_at"] and t["agent_replies"] != "0"
        and t["channel"] in ("slack", "chat", "email")
    ]
    requests = Counter(s["kind"] for s in data.surveys)
    assert 0.5 < requests["csat"] / len(eligible) < 0.7
    scores = defaultdict(list)
    for survey in data.surveys:
        if survey["score"]:
            scores[survey["kind"]].append(int(survey["score"]))
    assert 0.28 < len(scores["csat"]) / requests["csat"] < 0.42
    assert len(scores["ces"]) > 0.7 * len(scores["csat"])
    assert 0.05 < requests["nps"] / sum(1 for t in data.tickets if t["solved_at"]) < 0.15
    csat = scores["csat"]
    assert 0.72 < sum(s >= 4 for s in csat) / len(csat) < 0.88
    assert set(csat) == {1, 2, 3, 4, 5}
    assert 4.9 < statistics.mean(scores["ces"]) < 5.8
    nps = scores["nps"]
    value = 100 * (sum(s >= 9 for s in nps) - sum(s <= 6 for s in nps)) / len(nps)
    assert 5 < value < 55
    assert any(s["comment"] for s in data.surveys)


def test_scores_follow_the_experience(data):
    good, bad = [], []
    for survey in data.surveys:
        if survey["kind"] == "csat" and survey["score"]:
            ticket, _ = data.by_id[survey["ticket_id"]]
            troubled = ticket["reopens"] != "0" or ticket["escalated"] == "true"
            (bad if troubled else good).append(int(survey["score"]))
    assert statistics.mean(bad) < statistics.mean(good) - 0.3


# ---------------------------------------------------------------------------------------------
# write_csv, formatting, the spec


def test_write_csv_counts_equal_the_files(tmp_path):
    spec = SampleSpec(2_500, end=END, tz="Europe/Paris")
    tickets_path, surveys_path = tmp_path / "tickets.csv", tmp_path / "surveys.csv"
    seen: list[int] = []
    n_tickets, n_surveys = write_csv(spec, tickets_path, surveys_path, progress=seen.append)
    with tickets_path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == TICKET_COLUMNS
        ticket_rows = list(reader)
    with surveys_path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == SURVEY_COLUMNS
        survey_rows = list(reader)
    assert (n_tickets, n_surveys) == (len(ticket_rows), len(survey_rows)) == (2_500, n_surveys)
    assert n_surveys > 0
    assert seen == [2_500]
    generated = list(generate(spec))
    assert ticket_rows == [t for t, _ in generated]
    assert survey_rows == [s for _, surveys in generated for s in surveys]


def test_one_source_for_every_row(tmp_path):
    spec = SampleSpec(800, end=END)
    tickets_path, surveys_path = tmp_path / "tickets.csv", tmp_path / "surveys.csv"
    write_csv(spec, tickets_path, surveys_path, source="demo")
    for path in (tickets_path, surveys_path):
        with path.open(newline="", encoding="utf-8") as f:
            assert {row["source"] for row in csv.DictReader(f)} == {"demo"}
    # Apart from the source, the data is the same.
    plain = [t | {"source": "demo"} for t, _ in generate(spec)]
    assert plain == [t for t, _ in generate(spec, source="demo")]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_formatter_equals_isoformat(zone):
    tz = ZoneInfo(zone)
    fmt = TimestampFormatter(tz)
    start = int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp())
    for ts in range(start, start + 366 * 86400, 86400 // 7 + 13):  # across both DST changes
        assert fmt(ts) == datetime.fromtimestamp(ts, tz).isoformat()


def test_small_and_odd_specs():
    assert list(generate(SampleSpec(0, end=END))) == []
    end = datetime(2026, 3, 29, 1, 30, 15, 500_000, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    rows = list(generate(SampleSpec(400, end=end, days=1, tz="Europe/London")))
    assert len(rows) == 400
    for ticket, surveys in rows:
        stamps = [ticket["created_at"], ticket["first_response_at"], ticket["solved_at"]]
        stamps += [s[k] for s in surveys for k in ("sent_at", "responded_at")]
        assert all(parse(s) < end for s in stamps if s)
        assert parse(ticket["created_at"]) >= end - timedelta(days=1)


def test_spec_validation():
    with pytest.raises(TypeError):
        SampleSpec()  # end is required
    with pytest.raises(ValueError):
        SampleSpec(end=datetime(2026, 11, 22))  # naive
    with pytest.raises(ValueError):
        SampleSpec(-1, end=END)
    with pytest.raises(ValueError):
        SampleSpec(end=END, days=0)
    with pytest.raises(ZoneInfoNotFoundError):
        SampleSpec(end=END, tz="Mars/Olympus_Mons")
    assert SampleSpec(end=END) == SampleSpec(20_000, end=END, days=120, seed=7, tz="UTC")
