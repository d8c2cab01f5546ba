"""A result crosses to a worker process: a metric pickles as a reference to its registry entry,
variant included, so the SQL-building functions it holds never need pickling."""

from __future__ import annotations

import pickle

from kpi_engine.metrics import get_metric


def test_a_metric_pickles_as_its_registry_entry():
    assert pickle.loads(pickle.dumps(get_metric("frt"))) is get_metric("frt")


def test_a_variant_comes_back_as_the_same_variant():
    one_touch = get_metric("fcr").with_variant("one_touch")
    back = pickle.loads(pickle.dumps(one_touch))
    assert back.variant == "one_touch"
    assert back.definition == one_touch.definition != get_metric("fcr").definition
