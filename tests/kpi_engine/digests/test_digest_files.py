"""Digest definitions in YAML and TOML files: round trips, hand-written files, and every way a
file can be refused without loading anything."""

from __future__ import annotations

from datetime import time

import pytest

from kpi_engine.digests.definitions import Days, DigestDefinition, DigestKpi
from kpi_engine.digests.files import read_definitions, write_definitions
from kpi_engine.digests.rules import Bound, ChangeAlert, Comparison
from kpi_engine.errors import UserError
from kpi_engine.query import Filter
from kpi_engine.vocabulary import Dimension

DEFINITIONS = [
    DigestDefinition.from_dict({
        "name": "Morning pulse", "channel": "C0123ABCD", "at": "09:00", "tz": "Europe/Berlin",
        "days": "weekdays", "where": {"tier": [1], "channel": ["chat", "email"]},
        "kpis": [{"metric": "fcr", "target": ">= 75%", "threshold": ">= 65%",
                  "change_alert": "10pts"},
                 {"metric": "frt", "target": "<= 1h 30min", "change_alert": "5min"},
                 {"metric": "ces", "threshold": ">= 5.5"}, "csat"]}),
    DigestDefinition.from_dict({"name": "Weekly review", "channel": "G0PRIVATE", "at": "17:30",
                                "period": "last week", "kpis": "backlog, ticket_volume"}),
    DigestDefinition.from_dict({"name": "Monthly NPS", "channel": "C0999", "at": "00:05",
                                "tz": "America/New_York", "period": "last month",
                                "kpis": [{"metric": "nps", "target": "> -10"}]}),
]


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".toml", ".YAML"])
def test_write_then_read_gives_the_same_definitions(tmp_path, suffix):
    path = tmp_path / f"digests{suffix}"
    write_definitions(path, DEFINITIONS)
    assert read_definitions(path) == DEFINITIONS


@pytest.mark.parametrize("suffix", [".yaml", ".toml"])
def test_an_empty_list_round_trips(tmp_path, suffix):
    path = tmp_path / f"digests{suffix}"
    write_definitions(path, [])
    assert read_definitions(path) == []


HAND_WRITTEN_YAML = """\
# the digests of the support team
digests:
  - name: Morning pulse
    channel: "<#C0123ABCD|support>"
    at: 09:00
    tz: Europe/Berlin
    days: weekdays
    where: {tier: [1]}
    kpis:
      - {metric: fcr, target: ">= 75%", threshold: ">= 65%"}
      - {metric: frt, target: "<= 1h", change_alert: 10%}
      - csat
  - name: Early shift
    channel: C0EVENING
    at: 9:00
    kpis: fcr, aht
  - name: Late shift
    channel: C0LATE
    at: 17:30
    kpis: [backlog]
"""


def test_a_hand_written_yaml_file(tmp_path):
    # PyYAML (YAML 1.1) reads 9:00 and 17:30 unquoted as base-60 integers, 540 and 1050;
    # 09:00 (leading zero) stays a string. All three are times of day.
    path = tmp_path / "digests.yaml"
    path.write_text(HAND_WRITTEN_YAML, encoding="utf-8")
    morning, evening, late = read_definitions(path, default_tz="Asia/Tokyo")
    assert morning == DigestDefinition(
        name="Morning pulse", channel_id="C0123ABCD", at=time(9, 0), tz="Europe/Berlin",
        days=Days.WEEKDAYS, period="yesterday",
        filters=(Filter(dimension=Dimension.TIER, values=("1",)),),
        kpis=(DigestKpi(metric="fcr", target=Bound(comparison=Comparison.AT_LEAST, value=0.75),
                        threshold=Bound(comparison=Comparison.AT_LEAST, value=0.65)),
              DigestKpi(metric="frt", target=Bound(comparison=Comparison.AT_MOST, value=3600),
                        change_alert=ChangeAlert(amount=0.10, relative=True)),
              DigestKpi(metric="csat")))
    assert (evening.at, evening.tz, evening.days) == (time(9, 0), "Asia/Tokyo", Days.DAILY)
    assert [kpi.metric for kpi in evening.kpis] == ["fcr", "aht"]
    assert (late.at, [kpi.metric for kpi in late.kpis]) == (time(17, 30), ["backlog"])


HAND_WRITTEN_TOML = """\
[[digests]]
name = "Morning pulse"
channel = "C0123ABCD"
at = "9am"
tz = "Europe/Berlin"
days = "mon-fri"
where = { channel = ["chat", "email"] }
kpis = ["fcr", { metric = "frt", target = "<= 30min", change_alert = "5min" }]

[[digests]]
name = "Local time"
channel = "C0LOCAL"
at = 17:45:00
period = "last week"
kpis = "csat, ces"
"""


def test_a_hand_written_toml_file(tmp_path):
    path = tmp_path / "digests.toml"
    path.write_text(HAND_WRITTEN_TOML, encoding="utf-8")
    morning, local = read_definitions(path)
    assert morning == DigestDefinition(
        name="Morning pulse", channel_id="C0123ABCD", at=time(9, 0), tz="Europe/Berlin",
        days=Days.WEEKDAYS,
        filters=(Filter(dimension=Dimension.CHANNEL, values=("chat", "email")),),
        kpis=(DigestKpi(metric="fcr"),
              DigestKpi(metric="frt", target=Bound(comparison=Comparison.AT_MOST, value=1800),
                        change_alert=ChangeAlert(amount=300, relative=False))))
    assert (local.at, local.tz, local.period) == (time(17, 45), "UTC", "last week")
    assert [kpi.metric for kpi in local.kpis] == ["csat", "ces"]


def test_a_bare_list_of_digests_is_read_too(tmp_path):
    path = tmp_path / "digests.yml"
    path.write_text("- {name: Solo, channel: C0SOLO, at: '08:15', kpis: [fcr]}\n")
    (solo,) = read_definitions(path)
    assert (solo.name, solo.channel_id, solo.at) == ("Solo", "C0SOLO", time(8, 15))


TWO_BAD = """\
digests:
  - channel: C0FIRST
    at: "09:00"
    kpis: [fcr]
  - name: Name
    channel: "#general"
    at: "09:00"
    kpis: [fcrr]
  - name: Fine
    channel: C0FINE
    at: "10:00"
    kpis: [csat]
"""


def test_every_bad_entry_is_reported_and_nothing_loaded(tmp_path):
    path = tmp_path / "digests.yaml"
    path.write_text(TWO_BAD, encoding="utf-8")
    with pytest.raises(UserError, match=r"digests.yaml has 2 problem\(s\), nothing was loaded") \
            as refused:
        read_definitions(path)
    message = refused.value.message
    first, second = message.split(": ", 1)[1].split(" | ")
    assert first == "digest 1: name: missing"
    assert second.startswith("digest 2 (Name): channel: '#general' is not a Slack channel id")
    assert "kpis: there is no KPI called 'fcrr'" in second
    assert "digest 3" not in message and "Fine" not in message


@pytest.mark.parametrize("second_name", ["Morning pulse", "  morning   PULSE "])
def test_a_name_used_twice_is_refused(tmp_path, second_name):
    path = tmp_path / "digests.yaml"
    path.write_text("digests:\n"
                    "  - {name: Morning pulse, channel: C01, at: '09:00', kpis: [fcr]}\n"
                    f"  - {{name: '{second_name}', channel: C02, at: '10:00', kpis: [csat]}}\n")
    with pytest.raises(UserError, match=r"1 problem\(s\).*the name '[Mm]orning (pulse|PULSE)' "
                                        "is used twice"):
        read_definitions(path)


def test_the_suffix_must_be_yaml_yml_or_toml(tmp_path):
    path = tmp_path / "digests.json"
    path.write_text('{"digests": []}')
    with pytest.raises(UserError, match="ends in .yaml, .yml or .toml") as refused:
        read_definitions(path)
    assert refused.value.suggestions == ["digests.yaml", "digests.toml"]
    with pytest.raises(UserError, match="ends in .yaml, .yml or .toml"):
        write_definitions(tmp_path / "out.json", DEFINITIONS)
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize(("name", "text", "words"), [
    ("bad.yaml", "digests: [unclosed\n", "bad.yaml is not valid YAML"),
    ("bad.yml", "digests:\n  - name: x\n   bad indent: y\n", "bad.yml is not valid YAML"),
    ("bad.toml", "[[digests]\nname = 1\n", "bad.toml is not valid TOML"),
    ("bad.toml", 'name = "unterminated\n', "bad.toml is not valid TOML"),
], ids=["yaml-unclosed", "yaml-indent", "toml-header", "toml-string"])
def test_a_file_that_does_not_parse_is_a_user_error(tmp_path, name, text, words):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=words) as refused:
        read_definitions(path)
    assert "\n" not in refused.value.message


@pytest.mark.parametrize(("name", "text"), [
    ("empty.yaml", ""), ("comments.yaml", "# nothing yet\n"), ("empty.toml", ""),
    ("none.yaml", "digests:\n"), ("none.toml", "digests = []\n"),
])
def test_an_empty_file_holds_no_digests(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert read_definitions(path) == []


@pytest.mark.parametrize(("name", "text"), [
    ("scalar.yaml", "just words\n"), ("table.yaml", "digests: {name: x}\n"),
    ("table.toml", '[digests]\nname = "x"\n'),
])
def test_a_file_of_the_wrong_shape_is_refused(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match="holds a list 'digests'"):
        read_definitions(path)


@pytest.mark.parametrize(("name", "text"), [
    ("typo.yaml", "digest:\n  - {name: x, channel: C01, at: '09:00', kpis: [fcr]}\n"),
    ("typo.toml", '[[digest]]\nname = "x"\nchannel = "C01"\nat = "09:00"\nkpis = ["fcr"]\n'),
], ids=["yaml", "toml"])
def test_a_misspelt_top_level_key_is_refused(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match="holds a list 'digests'"):
        read_definitions(path)


def test_a_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match=r"cannot read .*nowhere.yaml: No such file"):
        read_definitions(tmp_path / "nowhere.yaml")


def test_a_file_that_is_not_utf8_is_a_user_error(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("digests:\n  - name: Café\n".encode("latin-1"))
    with pytest.raises(UserError, match="latin1.yaml is not UTF-8 text"):
        read_definitions(path)


def test_writing_into_a_missing_directory_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="cannot write .*digests.yaml"):
        write_definitions(tmp_path / "no" / "such" / "digests.yaml", DEFINITIONS)


def test_the_written_yaml_is_the_documented_format(tmp_path):
    path = tmp_path / "digests.yaml"
    write_definitions(path, DEFINITIONS[1:2])
    assert path.read_text(encoding="utf-8") == (
        "digests:\n"
        "- name: Weekly review\n"
        "  channel: G0PRIVATE\n"
        "  at: '17:30'\n"
        "  tz: UTC\n"
        "  days: daily\n"
        "  period: last week\n"
        "  kpis:\n"
        "  - backlog\n"
        "  - ticket_volume\n")
