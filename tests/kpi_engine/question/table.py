"""The question table's rows: `Q(text, metric, period, **fields)` — one plain-language question
and the KpiQuery it means, written out by hand — shared by test_question_table.py (names,
periods, filters) and test_question_table_shapes.py (breakdowns, rankings, comparisons,
percentiles, trends, noise, zones, whys). Case ids are unique across both.
"""

from __future__ import annotations

import re

import pytest

from .hand_periods import LAST_7_DAYS

DEFAULT = object()  # the question names no period: last 7 days + the assumption


_IDS: set[str] = set()


def _make_id(text: str) -> str:
    shown = re.sub(r"[^0-9A-Za-z#@.+\-–]+", "_", text).strip("_")[:70] or "blank"
    return shown


def Q(text: str, metric: str, period=DEFAULT, *, id: str | None = None, tz: str = "UTC",
      **fields):
    """One row: the question, its zone, and the expected query (unsaid fields: defaults)."""
    expected = dict(metric=metric, **fields)
    if period is DEFAULT:
        expected["period"] = LAST_7_DAYS
        expected["default_period"] = True
    else:
        expected["period"] = period
        expected["default_period"] = False
    case_id = id or _make_id(text)
    if tz != "UTC":
        case_id = f"{tz.split('/')[-1]}:{case_id}"
    assert case_id not in _IDS, f"duplicate case id {case_id}"
    _IDS.add(case_id)
    return pytest.param(text, tz, expected, id=case_id)


T1 = {"tier": {"1"}}
