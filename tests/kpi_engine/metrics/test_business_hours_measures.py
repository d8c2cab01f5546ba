"""The registry's business-hours measures: the three times per ticket declare one (`Metric.
business_hours`), `with_business_hours` switches to it — label, definition, measure —, every
other KPI refuses with one sentence, and a metric in business hours pickles as itself."""

from __future__ import annotations

import pickle

import pytest

from kpi_engine.errors import UserError
from kpi_engine.metrics import METRICS, get_metric


def test_the_three_times_per_ticket_and_only_they_have_a_business_hours_measure():
    assert [metric.id for metric in METRICS if metric.business_hours is not None] == [
        "frt", "resolution_time", "service_level"]


@pytest.mark.parametrize("metric_id, label", [
    ("frt", "First response time in business hours"),
    ("resolution_time", "Resolution time in business hours"),
    ("service_level", "Service level in business hours"),
])
def test_with_business_hours(metric_id, label):
    plain = get_metric(metric_id)
    business = plain.with_business_hours()
    assert (business.label, business.in_business_hours, business.id) == (label, True, metric_id)
    assert business.definition == plain.business_hours.definition != plain.definition
    assert business.with_business_hours() is business
    assert pickle.loads(pickle.dumps(business)) == business
    assert pickle.loads(pickle.dumps(plain)) == plain


def test_a_variant_and_business_hours_pickle_apart():
    fcr = get_metric("fcr").with_variant("one_touch")
    assert pickle.loads(pickle.dumps(fcr)) == fcr


@pytest.mark.parametrize("metric_id", ["csat", "aht", "backlog", "fcr", "response_rate"])
def test_every_other_kpi_refuses(metric_id):
    with pytest.raises(UserError, match="is not counted in business hours: business hours "
                                        "apply to first response time, resolution time and "
                                        "service level"):
        get_metric(metric_id).with_business_hours()
