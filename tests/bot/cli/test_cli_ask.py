"""`kpibot ask` as interfaces.md promises it: one question or one per standard-input line, the
JSON answer with the question (and its assumptions), one answer line per input line, a refusal
that is one clear line (or an error object) and a non-zero exit, never a made-up number.

Run in this process (`bot.cli.main`) on a SQLite file under tmp_path; the clock is pinned to
Sunday 2026-11-22 14:05 UTC. Every expected value is worked out by hand next to the tickets.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest

from kpi_engine.storage.database import open_database
from tests.builders import add_survey_responses, add_tickets, run_kpibot

U = UTC
NOW = "2026-11-22T14:05:00+00:00"
LAST_WEEK = {"start": "2026-11-09T00:00:00+00:00", "end": "2026-11-16T00:00:00+00:00",
             "label": "last week"}
DEFAULT_PERIOD = "no period given: last 7 days"
QUESTION = "what was FCR last week for tier 1?"


def t(day: int, hour: int = 9, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=U)


def solved(id: str, created: datetime, solved_at: datetime, **fields) -> dict:
    return dict(id=id, created_at=created, solved_at=solved_at, status="solved", **fields)


@pytest.fixture
def desk(tmp_path, monkeypatch) -> str:
    """A SQLite desk; returns its URL.

    FCR, tier 1, solved last week (Mon 9 Nov 00:00 – Mon 16 Nov 00:00), agent_replies >= 1:
      t1, t2, t11 (solved at the very start, 9 Nov 00:00), t12: one reply, no reopen, not
      escalated -> count; t3 (two replies), t4 (reopened), t5 (escalated) -> miss.
      => 4 of 7.
    Left out of it: t6 (no agent reply), t7 (tier 2), t8 (solved 16 Nov 00:00, the end is
    exclusive), t9 (solved 8 Nov), t10 (never solved).
    FCR, tier 1, last 7 days (15 Nov 14:05 – 22 Nov 14:05): t8 counts, t13 (two replies)
    misses => 1 of 2. (t6 and t12 were solved on 15 Nov before 14:05.)
    FCR, tier 2, last week: t7 => 1 of 1.

    CSAT, last 7 days, by agent (tier-3 tickets, never solved, so FCR does not see them):
      Sam Lee 4, 5, 1 -> 2 of 3 score 4-5; Asha Rao 5, 2 -> 1 of 2. Left out: c6 (Asha,
      answered 14 Nov, before the period) and c7 (a CES answer, not CSAT).
    """
    for name in ("KPIBOT_LLM", "KPIBOT_DATABASE_URL", "KPIBOT_TZ", "KPIBOT_NOW",
                 "KPIBOT_WEEK_START", "KPIBOT_FCR_VARIANT", "KPIBOT_CSAT_VARIANT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's is read
    url = f"sqlite:///{tmp_path / 'kpibot.db'}"
    db = open_database(url)
    add_tickets(
        db,
        solved("t1", t(10), t(10, 10)),
        solved("t2", t(11), t(11, 12)),
        solved("t3", t(12), t(12, 15), agent_replies=2),
        solved("t4", t(13), t(13, 11), reopens=1),
        solved("t5", t(14), t(14, 10), escalated=True),
        solved("t6", t(15, 8), t(15, 9), agent_replies=0),
        solved("t7", t(10), t(10, 10), tier=2),
        solved("t8", t(15, 20), t(16, 0)),
        solved("t9", t(8, 20), t(8, 23, 59)),
        dict(id="t10", created_at=t(12), status="open"),
        solved("t11", t(2), t(9, 0)),
        solved("t12", t(15), t(15, 10)),
        solved("t13", t(19), t(20), agent_replies=2),
    )
    add_tickets(
        db,
        *(dict(id=id, created_at=t(17), tier=3, agent=agent)
          for id, agent in (("c1", "Sam Lee"), ("c2", "Sam Lee"), ("c3", "Sam Lee"),
                            ("c4", "Asha Rao"), ("c5", "Asha Rao"), ("c6", "Asha Rao"),
                            ("c7", "Asha Rao"))),
    )
    add_survey_responses(
        db,
        dict(ticket_id="c1", kind="csat", score=4, responded_at=t(18)),
        dict(ticket_id="c2", kind="csat", score=5, responded_at=t(19)),
        dict(ticket_id="c3", kind="csat", score=1, responded_at=t(20)),
        dict(ticket_id="c4", kind="csat", score=5, responded_at=t(21)),
        dict(ticket_id="c5", kind="csat", score=2, responded_at=t(22, 8)),
        dict(ticket_id="c6", kind="csat", score=1, responded_at=t(14)),
        dict(ticket_id="c7", kind="ces", score=7, responded_at=t(21)),
    )
    db.dispose()
    return url


def ask(capsys, monkeypatch, desk: str, *args: str, stdin: str | None = None):
    return run_kpibot(capsys, monkeypatch, "ask", *args, "--db", desk, "--now", NOW, stdin=stdin)


# --- one question -------------------------------------------------------------------------------


def test_ask_json_is_the_contract_answer_with_the_question(desk, capsys, monkeypatch):
    code, out, err = ask(capsys, monkeypatch, desk, QUESTION, "--json")

    assert (code, err) == (0, "")
    answer = json.loads(out)
    assert answer["question"] == QUESTION
    assert answer["metric"] == "fcr" and answer["unit"] == "ratio"
    assert answer["value"] == pytest.approx(4 / 7)  # t1, t2, t11, t12 of seven
    assert answer["n"] == 7
    assert answer["period"] == LAST_WEEK
    assert answer["filters"] == {"tier": ["1"]}
    assert answer["group_by"] == [] and answer["rows"] == [] and answer["previous"] is None
    assert DEFAULT_PERIOD not in answer.get("assumptions", [])


def test_a_question_without_a_period_assumes_the_last_7_days(desk, capsys, monkeypatch):
    code, out, _ = ask(capsys, monkeypatch, desk, "FCR for tier 1", "--json")

    assert code == 0
    answer = json.loads(out)
    assert DEFAULT_PERIOD in answer["assumptions"]
    assert answer["period"]["start"] == "2026-11-15T14:05:00+00:00"
    assert answer["period"]["end"] == "2026-11-22T14:05:00+00:00"
    assert (answer["value"], answer["n"]) == (pytest.approx(1 / 2), 2)  # t8 counts, t13 misses


def test_text_answer_shows_the_value_and_what_was_assumed(desk, capsys, monkeypatch):
    code, out, err = ask(capsys, monkeypatch, desk, "FCR for tier 1")

    assert (code, err) == (0, "")
    assert "First contact resolution" in out
    assert "50.0%" in out  # 1 of 2
    assert "n = 2 tickets" in out
    assert f"assumed: {DEFAULT_PERIOD}" in out


def test_a_refused_question_is_one_line_on_stderr_and_exit_1(desk, capsys, monkeypatch):
    code, out, err = ask(capsys, monkeypatch, desk, "tell me a joke")

    assert code == 1
    assert out == ""
    assert err.startswith("kpibot: ") and err.count("\n") == 1


def test_a_refused_question_with_json_is_the_error_object(desk, capsys, monkeypatch):
    code, out, _ = ask(capsys, monkeypatch, desk, "tell me a joke", "--json")

    assert code == 1
    answer = json.loads(out)
    assert isinstance(answer["error"], str) and answer["error"]
    assert isinstance(answer["suggestions"], list) and answer["suggestions"]
    assert "value" not in answer and "metric" not in answer


def test_an_unknown_value_is_refused_not_answered(desk, capsys, monkeypatch):
    code, out, _ = ask(capsys, monkeypatch, desk, "FCR last week for tier 9", "--json")

    assert code == 1
    answer = json.loads(out)
    assert "tier" in answer["error"] and "value" not in answer


def test_a_10000_character_question_is_one_clear_line(desk, capsys, monkeypatch):
    code, out, err = ask(capsys, monkeypatch, desk, "x" * 10_000)

    assert code == 1
    assert out == ""
    assert err.startswith("kpibot: ") and err.count("\n") == 1
    assert "characters" in err
    assert "x" * 600 not in err  # the question is not echoed back


def test_a_10000_character_question_with_json_is_the_error_object(desk, capsys, monkeypatch):
    code, out, _ = ask(capsys, monkeypatch, desk, "CSAT " + "x" * 9_995, "--json")

    assert code == 1
    assert out.count("\n") == 1
    answer = json.loads(out)
    assert answer["error"] and answer["suggestions"] and "value" not in answer


# --- a breakdown --------------------------------------------------------------------------------


def test_csat_by_agent_rows_are_best_first(desk, capsys, monkeypatch):
    code, out, _ = ask(capsys, monkeypatch, desk, "CSAT by agent", "--json")

    assert code == 0
    answer = json.loads(out)
    assert answer["metric"] == "csat" and answer["group_by"] == ["agent"]
    assert (answer["value"], answer["n"]) == (pytest.approx(3 / 5), 5)  # 4, 5, 5 of five
    assert [(row["group"], row["value"], row["n"]) for row in answer["rows"]] == [
        ({"agent": "Sam Lee"}, pytest.approx(2 / 3), 3),  # 4, 5 of 4, 5, 1
        ({"agent": "Asha Rao"}, pytest.approx(1 / 2), 2),  # 5 of 5, 2
    ]
    assert DEFAULT_PERIOD in answer["assumptions"]


def test_csat_by_agent_text_lists_the_best_agent_first(desk, capsys, monkeypatch):
    code, out, _ = ask(capsys, monkeypatch, desk, "CSAT by agent")

    assert code == 0
    assert "60.0%" in out
    assert out.index("Sam Lee") < out.index("Asha Rao")
    assert "66.7%" in out and "50.0%" in out


# --- a trend ------------------------------------------------------------------------------------


def test_daily_fcr_is_one_row_per_day_in_time_order(desk, capsys, monkeypatch):
    code, out, _ = ask(capsys, monkeypatch, desk, "daily FCR last week for tier 1", "--json")

    assert code == 0
    answer = json.loads(out)
    assert answer["trend"] == "day" and answer["period"] == LAST_WEEK
    # solved on: Mon t11, Tue t1, Wed t2 one-touch; Thu t3 (two replies), Fri t4 (reopened),
    # Sat t5 (escalated) miss; Sun t12 one-touch (t6 has no agent reply)
    assert [(row["group"]["day"], row["value"], row["n"]) for row in answer["rows"]] == [
        ("2026-11-09", 1.0, 1), ("2026-11-10", 1.0, 1), ("2026-11-11", 1.0, 1),
        ("2026-11-12", 0.0, 1), ("2026-11-13", 0.0, 1), ("2026-11-14", 0.0, 1),
        ("2026-11-15", 1.0, 1),
    ]
    assert answer["value"] == pytest.approx(4 / 7)


def test_csat_over_time_takes_days_for_the_default_week(desk, capsys, monkeypatch):
    code, out, _ = ask(capsys, monkeypatch, desk, "CSAT over time", "--json")

    assert code == 0
    answer = json.loads(out)
    assert answer["assumptions"] == [DEFAULT_PERIOD, "trend by day"]
    # 15 Nov 14:05 – 22 Nov 14:05: c1 (4) on the 18th, c2 (5) 19th, c3 (1) 20th, c4 (5) 21st,
    # c5 (2) on the 22nd at 08:00; nothing on the 15th (partial), 16th or 17th
    assert [(row["group"]["day"], row["value"], row["n"]) for row in answer["rows"]] == [
        ("2026-11-15", None, 0), ("2026-11-16", None, 0), ("2026-11-17", None, 0),
        ("2026-11-18", 1.0, 1), ("2026-11-19", 1.0, 1), ("2026-11-20", 0.0, 1),
        ("2026-11-21", 1.0, 1), ("2026-11-22", 0.0, 1),
    ]


# --- many questions on standard input -----------------------------------------------------------

BATCH = [
    QUESTION,  # 4 of 7
    "",  # blank: refused
    "FCR last week for tier 2",  # t7: 1 of 1
    "tell me a joke",  # refused
    "FCR for tier 1",  # last 7 days: 1 of 2
]


def test_a_batch_gives_one_json_line_per_question_in_order(desk, capsys, monkeypatch):
    code, out, _ = ask(capsys, monkeypatch, desk, "-", "--json", stdin="\n".join(BATCH) + "\n")

    assert code == 1  # two were refused
    lines = out.splitlines()
    assert len(lines) == 5
    answers = [json.loads(line) for line in lines]
    assert [a["question"] for a in answers] == BATCH
    first, blank, tier_2, joke, default = answers
    assert (first["metric"], first["value"], first["n"]) == ("fcr", pytest.approx(4 / 7), 7)
    assert first["period"] == LAST_WEEK and first["filters"] == {"tier": ["1"]}
    assert (tier_2["value"], tier_2["n"], tier_2["filters"]) == (1.0, 1, {"tier": ["2"]})
    assert (default["value"], default["n"]) == (pytest.approx(1 / 2), 2)
    assert DEFAULT_PERIOD in default["assumptions"]
    for refused in (blank, joke):
        assert refused["error"] and refused["suggestions"]
        assert "value" not in refused and "metric" not in refused


def test_a_batch_in_text_gives_one_line_per_question_in_order(desk, capsys, monkeypatch):
    code, out, _ = ask(capsys, monkeypatch, desk, "-", stdin="\n".join(BATCH) + "\n")

    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 5
    first, blank, tier_2, joke, default = lines
    assert "First contact resolution" in first and "57.1%" in first and "last week" in first
    assert "100.0%" in tier_2
    assert "50.0%" in default and f"assumed: {DEFAULT_PERIOD}" in default
    assert blank.startswith("can't answer: ") and joke.startswith("can't answer: ")


def test_a_batch_answers_windows_line_endings_and_a_missing_last_newline(desk, capsys, monkeypatch):
    code, out, _ = ask(capsys, monkeypatch, desk, "-", "--json",
                       stdin=f"{QUESTION}\r\nFCR last week for tier 2")

    assert code == 0
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["question"] for a in answers] == [QUESTION, "FCR last week for tier 2"]
    assert [a["n"] for a in answers] == [7, 1]


def test_an_all_good_batch_exits_0(desk, capsys, monkeypatch):
    good = [QUESTION, "FCR last week for tier 2", "CSAT by agent"]

    code, out, _ = ask(capsys, monkeypatch, desk, "-", "--json", stdin="\n".join(good) + "\n")

    assert code == 0
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["question"] for a in answers] == good
    assert [a["metric"] for a in answers] == ["fcr", "fcr", "csat"]
    assert all("error" not in a for a in answers)


def test_a_long_line_in_a_batch_is_refused_alone(desk, capsys, monkeypatch):
    code, out, _ = ask(capsys, monkeypatch, desk, "-", "--json",
                       stdin=f"{'x' * 10_000}\n{QUESTION}\n")

    assert code == 1
    long, good = (json.loads(line) for line in out.splitlines())
    assert long["error"] and "value" not in long
    assert (good["question"], good["n"]) == (QUESTION, 7)


def test_an_empty_stdin_prints_nothing_and_exits_0(desk, capsys, monkeypatch):
    code, out, _ = ask(capsys, monkeypatch, desk, "-", "--json", stdin="")

    assert (code, out) == (0, "")


# --- a language model that cannot be loaded -----------------------------------------------------


def test_an_unloadable_model_still_answers_offline(desk, capsys, monkeypatch):
    monkeypatch.setenv("KPIBOT_LLM", "nosuchprovider:x")

    code, out, err = ask(capsys, monkeypatch, desk, QUESTION)

    assert (code, err) == (0, "")
    assert "57.1%" in out  # 4 of 7, read by the offline rules


def test_an_unloadable_model_is_named_in_the_json_assumptions(desk, capsys, monkeypatch):
    monkeypatch.setenv("KPIBOT_LLM", "nosuchprovider:x")

    code, out, _ = ask(capsys, monkeypatch, desk, QUESTION, "--json")

    assert code == 0
    answer = json.loads(out)
    assert (answer["value"], answer["n"]) == (pytest.approx(4 / 7), 7)
    notes = [line for line in answer["assumptions"] if "language model was not used" in line]
    assert len(notes) == 1
    assert "nosuchprovider:x" in notes[0]


def test_invalid_utf8_on_stdin_is_replaced_and_the_json_stays_valid(desk):
    """Bytes that are not UTF-8 (here \\xff\\xfe, and a lone \\xed\\xa0\\x80) reach the reader as
    U+FFFD: every line is strict JSON with no lone surrogate, one line per question."""
    import subprocess
    import sys

    stdin = (b"what was FCR last week for tier 1? \xff\xfe\n"
             b"\xed\xa0\x80\xff\n")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "-", "--json", "--db", desk, "--now", NOW],
        input=stdin, capture_output=True, timeout=60,
        env={**os.environ, "KPIBOT_ERROR_LOG": os.devnull, "LC_ALL": "C"})
    lines = done.stdout.decode("utf-8").splitlines()  # strict: fails on any invalid byte
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["question"] == "what was FCR last week for tier 1? \ufffd\ufffd"
    assert first["value"] == pytest.approx(4 / 7)
    assert "error" in second
    for line in lines:
        assert not any(0xD800 <= ord(c) <= 0xDFFF for c in json.loads(line)["question"])
        line.encode("utf-8")  # no lone surrogate survives
    assert b"Traceback" not in done.stderr
