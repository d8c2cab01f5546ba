"""Tests for kpi_engine.query.stats.

Every expected value is a literal from a published table or textbook example, or is worked out
by hand in a comment (or, for Student t with 1 or 2 degrees of freedom, taken from the textbook
closed forms of those distributions, which share no code with the module's incomplete beta).
"""

from __future__ import annotations

import math

import pytest

from kpi_engine.query.stats import (
    Z95,
    ChangeTest,
    Interval,
    poisson_rate_test,
    sample_variance,
    two_proportion_test,
    welch_test,
    wilson_interval,
)

# ---------------------------------------------------------------------------------------------
# Wilson interval


def test_wilson_textbook_example_81_of_263():
    # Classic textbook example (Agresti & Coull; Wikipedia "Binomial proportion confidence
    # interval"): 81 successes in 263 trials -> 95% Wilson interval [0.2553, 0.3662].
    interval = wilson_interval(81, 263)
    assert interval.low == pytest.approx(0.2553, abs=1e-4)
    assert interval.high == pytest.approx(0.3662, abs=1e-4)


def test_wilson_zero_trials_is_none():
    assert wilson_interval(0, 0) is None


def test_wilson_single_failure():
    # n=1, x=0: Wilson's closed form for x=0 is [0, z^2/(n+z^2)]
    # = 3.841459 / 4.841459 = 0.79345.
    interval = wilson_interval(0, 1)
    assert interval.low == 0.0
    assert interval.high == pytest.approx(0.79345, abs=1e-5)


def test_wilson_single_success():
    # n=1, x=1: by symmetry [n/(n+z^2), 1] = 1 / 4.841459 = 0.20655.
    interval = wilson_interval(1, 1)
    assert interval.low == pytest.approx(0.20655, abs=1e-5)
    assert interval.high == 1.0


def test_wilson_all_failures_and_all_successes_stay_in_unit_range():
    # x=0 of 50: [0, 3.841459/53.841459] = [0, 0.071347]; x=50 of 50 mirrors it.
    low_case = wilson_interval(0, 50)
    high_case = wilson_interval(50, 50)
    assert low_case.low == 0.0
    assert low_case.high == pytest.approx(0.071347, abs=1e-6)
    assert high_case.high == 1.0
    assert high_case.low == pytest.approx(1 - 0.071347, abs=1e-6)


def test_wilson_huge_n_is_tight_around_the_rate():
    # n = 1e9, p = 0.5: half width ~ 1.959964 * sqrt(0.25 / 1e9) = 3.0990e-5.
    interval = wilson_interval(500_000_000, 1_000_000_000)
    assert interval.low == pytest.approx(0.5 - 3.0990e-5, abs=1e-8)
    assert interval.high == pytest.approx(0.5 + 3.0990e-5, abs=1e-8)


def test_wilson_other_z():
    # z = 1 for 1/2: centre = (0.5 + 1/4) / 1.5 = 0.5,
    # half = sqrt(0.25/2 + 1/16) / 1.5 = sqrt(0.1875) / 1.5 = 0.288675.
    interval = wilson_interval(1, 2, z=1.0)
    assert interval == Interval(pytest.approx(0.211325, abs=1e-6), pytest.approx(0.788675, abs=1e-6))


@pytest.mark.parametrize("successes,n", [(-1, 5), (6, 5), (0, -1)])
def test_wilson_rejects_impossible_counts(successes, n):
    with pytest.raises(ValueError):
        wilson_interval(successes, n)


def test_z95_is_the_975_normal_quantile():
    # Standard normal tables: z_0.975 = 1.959964.
    assert Z95 == pytest.approx(1.959964, abs=1e-6)


# ---------------------------------------------------------------------------------------------
# Two-proportion z-test


def test_two_proportion_worked_by_hand():
    # 40/100 vs 60/100: pooled p = 0.5, se = sqrt(0.25 * (1/100 + 1/100)) = sqrt(0.005)
    # = 0.0707107, z = 0.2 / 0.0707107 = 2.828427 = 2*sqrt(2); two-sided p = erfc(z/sqrt 2)
    # = erfc(2) = 0.004677735 (Abramowitz & Stegun table of erfc).
    result = two_proportion_test(40, 100, 60, 100)
    assert result.statistic == pytest.approx(2.828427, abs=1e-6)
    assert result.p_value == pytest.approx(0.004677735, abs=1e-9)
    assert result.significant is True


def test_two_proportion_not_significant_and_sign():
    # 55/100 then 45/100: pooled 0.5, z = -0.1 / 0.0707107 = -1.414214 = -sqrt(2);
    # p = erfc(1) = 0.1572992 (A&S table).
    result = two_proportion_test(55, 100, 45, 100)
    assert result.statistic == pytest.approx(-1.414214, abs=1e-6)
    assert result.p_value == pytest.approx(0.1572992, abs=1e-7)
    assert result.significant is False


def test_two_proportion_unequal_sizes_by_hand():
    # 30/200 vs 30/100: pooled = 60/300 = 0.2, se = sqrt(0.16 * (1/200 + 1/100))
    # = sqrt(0.0024) = 0.0489898, z = 0.15 / 0.0489898 = 3.061862;
    # normal table: 2 * (1 - Phi(3.06)) = 2 * 0.00111 = 0.0022 (z slightly above 3.06).
    result = two_proportion_test(30, 200, 30, 100)
    assert result.statistic == pytest.approx(3.061862, abs=1e-6)
    assert result.p_value == pytest.approx(0.0022, abs=1e-4)
    assert result.significant is True


def test_two_proportion_alpha_is_respected():
    # Same data as the erfc(1) case, p = 0.157: significant at alpha 0.2, not at 0.05.
    assert two_proportion_test(55, 100, 45, 100, alpha=0.2).significant is True
    assert two_proportion_test(55, 100, 45, 100, alpha=0.05).significant is False


@pytest.mark.parametrize("args", [(0, 0, 5, 10), (5, 10, 0, 0), (0, 0, 0, 0)])
def test_two_proportion_empty_period(args):
    assert two_proportion_test(*args) == ChangeTest(None, None, None)


@pytest.mark.parametrize("args", [(0, 10, 0, 20), (10, 10, 20, 20), (0, 1, 0, 1)])
def test_two_proportion_no_variance(args):
    # Pooled p of 0 or 1: both periods identical, nothing to test.
    assert two_proportion_test(*args) == ChangeTest(None, 1.0, False)


def test_two_proportion_huge_n():
    # 500,500/1e6 vs 501,500/1e6: pooled 0.501, se = sqrt(0.501*0.499*2e-6) = 7.07106e-4 (to
    # 6 figures: 0.249999 * 2e-6 = 4.99998e-7), z = 0.001 / 7.07106e-4 = 1.41422;
    # p = erfc(1.41422/sqrt 2) ~ erfc(1) = 0.1573.
    result = two_proportion_test(500_500, 1_000_000, 501_500, 1_000_000)
    assert result.statistic == pytest.approx(1.41422, abs=1e-4)
    assert result.p_value == pytest.approx(0.1573, abs=1e-4)
    assert result.significant is False


def test_two_proportion_rejects_bad_input():
    with pytest.raises(ValueError):
        two_proportion_test(11, 10, 1, 10)
    with pytest.raises(ValueError):
        two_proportion_test(1, 10, 1, 10, alpha=1.5)


# ---------------------------------------------------------------------------------------------
# Welch t-test
#
# Equal variances of 1 and n per group give se^2 = 2/n and Welch df = 2(n-1) exactly, so the
# critical values in a Student t table can be hit: with n = 6, df = 10; with n = 11, df = 20.


def _welch_for_t(t: float, n: int) -> ChangeTest:
    """Welch test on two groups of n with variance 1 whose mean difference gives statistic t."""
    se = math.sqrt(2.0 / n)
    return welch_test(0.0, 1.0, n, t * se, 1.0, n)


@pytest.mark.parametrize(
    "t,n,expected_p",
    [
        # Student t table, two-sided: t_{0.025, 10} = 2.228 -> p = 0.05
        (2.228, 6, 0.05),
        # t_{0.05, 10} = 1.812 -> p = 0.10
        (1.812, 6, 0.10),
        # t_{0.005, 10} = 3.169 -> p = 0.01
        (3.169, 6, 0.01),
        # t_{0.025, 20} = 2.086 -> p = 0.05
        (2.086, 11, 0.05),
        # t_{0.005, 20} = 2.845 -> p = 0.01
        (2.845, 11, 0.01),
        # t_{0.05, 30} = 1.697 -> p = 0.10 (n = 16, df = 30)
        (1.697, 16, 0.10),
    ],
)
def test_welch_matches_t_tables(t, n, expected_p):
    result = _welch_for_t(t, n)
    assert result.statistic == pytest.approx(t, rel=1e-12)
    assert result.p_value == pytest.approx(expected_p, abs=3e-4)


def test_welch_unequal_variances_and_sizes_by_hand():
    # a: var 4, n 4 -> se^2 = 1; b: var 7, n 7 -> se^2 = 1. se^2 = 2,
    # df = 2^2 / (1^2/3 + 1^2/6) = 4 / 0.5 = 8.
    # Student t table: t_{0.025, 8} = 2.306, so a mean difference of 2.306*sqrt(2) = 3.26117
    # gives p = 0.05; negative because b is lower.
    result = welch_test(10.0, 4.0, 4, 10.0 - 3.26117, 7.0, 7)
    assert result.statistic == pytest.approx(-2.306, abs=1e-5)
    assert result.p_value == pytest.approx(0.05, abs=3e-4)
    assert result.significant in (True, False)  # on the boundary; p itself is what matters


def test_welch_clear_cases():
    # df = 10, t = 4.587 (table t_{0.0005,10}) -> p = 0.001; t = 0.700 (t_{0.25,10}) -> p = 0.5.
    strong = _welch_for_t(4.587, 6)
    weak = _welch_for_t(0.700, 6)
    assert strong.p_value == pytest.approx(0.001, abs=5e-5)
    assert strong.significant is True
    assert weak.p_value == pytest.approx(0.5, abs=1e-3)
    assert weak.significant is False


@pytest.mark.parametrize("t", [0.1, 1.0, 2.92, 4.303, 9.925, 100.0])
def test_welch_two_degrees_of_freedom_closed_form(t):
    # Two groups of n = 2 with equal variance: df = 2. Student t with 2 df has the closed form
    # two-sided p = 1 - t / sqrt(2 + t^2) (e.g. t = 4.303 -> 0.05, t = 9.925 -> 0.01).
    result = _welch_for_t(t, 2)
    assert result.p_value == pytest.approx(1 - t / math.sqrt(2 + t * t), rel=1e-9, abs=1e-14)


@pytest.mark.parametrize("t", [0.5, 1.0, 6.314, 12.706, 63.657])
def test_welch_one_degree_of_freedom_is_cauchy(t):
    # var_a = 0 and n_b = 2: df = (var_b/2)^2 / ((var_b/2)^2 / 1) = 1, the Cauchy distribution:
    # two-sided p = 1 - (2/pi) * atan(t)  (t = 12.706 -> 0.05, t = 63.657 -> 0.01).
    se = math.sqrt(2.0 / 2)
    result = welch_test(0.0, 0.0, 5, t * se, 2.0, 2)
    assert result.p_value == pytest.approx(1 - 2 / math.pi * math.atan(t), rel=1e-9)


def test_welch_huge_n_approaches_normal():
    # n = 500,001 per group -> df = 1,000,000: t is practically normal; z = 1.96 -> p = 0.05
    # (normal table: 2 * (1 - Phi(1.96)) = 0.0500).
    result = _welch_for_t(1.96, 500_001)
    assert result.p_value == pytest.approx(0.0500, abs=1e-4)


def test_welch_zero_difference():
    result = welch_test(5.0, 2.0, 10, 5.0, 3.0, 12)
    assert result.statistic == 0.0
    assert result.p_value == pytest.approx(1.0)
    assert result.significant is False


@pytest.mark.parametrize("n_a,n_b", [(1, 10), (10, 1), (0, 0), (1, 1)])
def test_welch_needs_two_values_per_group(n_a, n_b):
    assert welch_test(1.0, 1.0, n_a, 2.0, 1.0, n_b) == ChangeTest(None, None, None)


def test_welch_zero_variance_equal_means():
    assert welch_test(3.0, 0.0, 5, 3.0, 0.0, 8) == ChangeTest(None, 1.0, False)


def test_welch_zero_variance_different_means():
    assert welch_test(3.0, 0.0, 5, 4.0, 0.0, 8) == ChangeTest(None, 0.0, True)


def test_welch_rejects_negative_variance():
    with pytest.raises(ValueError):
        welch_test(1.0, -1.0, 5, 1.0, 1.0, 5)


# ---------------------------------------------------------------------------------------------
# Poisson rate test


def test_poisson_exact_equal_exposures_by_hand():
    # 1 vs 9 events over equal periods: k = 10, a ~ Binomial(10, 1/2); P(a=1) = 10/1024.
    # Outcomes no more likely: a in {0, 1, 9, 10} -> (1 + 10 + 10 + 1)/1024 = 22/1024 = 0.021484375.
    result = poisson_rate_test(1, 3600.0, 9, 3600.0)
    assert result.p_value == pytest.approx(0.021484375, rel=1e-9)
    assert result.significant is True
    assert result.statistic > 0  # b's rate is higher


def test_poisson_exact_not_significant_by_hand():
    # 2 vs 8: P(a=2) = 45/1024; a in {0,1,2,8,9,10} -> 2*(1+10+45)/1024 = 112/1024 = 0.109375.
    result = poisson_rate_test(2, 60.0, 8, 60.0)
    assert result.p_value == pytest.approx(0.109375, rel=1e-9)
    assert result.significant is False


def test_poisson_exact_unequal_exposures_by_hand():
    # 0 events in 1 day vs 5 in 2 days: k = 5, share_a = 1/3, so over 243 = 3^5:
    # P(a=0..5) = 32, 80, 80, 40, 10, 1 (/243). Observed P(0) = 32/243; outcomes no more
    # likely: a in {0, 4, 5} -> 43/243 = 0.1769547.
    result = poisson_rate_test(0, 86400.0, 5, 172800.0)
    assert result.p_value == pytest.approx(0.1769547, rel=1e-6)
    assert result.significant is False


def test_poisson_identical_rates_exact():
    # 3 vs 3 with equal exposure: the observed outcome is the most likely one, p = 1.
    result = poisson_rate_test(3, 10.0, 3, 10.0)
    assert result.p_value == pytest.approx(1.0)
    assert result.statistic == 0.0
    assert result.significant is False


def test_poisson_normal_approximation_by_hand():
    # 20 vs 40, equal periods: k = 60 >= 30, expected a = 30, sd = sqrt(60/4) = 3.872983;
    # z = (|20 - 30| - 0.5) / 3.872983 = 2.452889; normal table Phi(2.45) = 0.99286,
    # Phi(2.46) = 0.99305 -> Phi(2.4529) ~ 0.99292, p ~ 2 * 0.00708 = 0.0142.
    result = poisson_rate_test(20, 1.0, 40, 1.0)
    assert result.statistic == pytest.approx(2.452889, abs=1e-6)
    assert result.p_value == pytest.approx(0.0142, abs=2e-4)
    assert result.significant is True


def test_poisson_normal_approximation_at_k_30_and_sign():
    # 20 vs 10, equal periods: k = 30 uses the normal approximation; expected a = 15,
    # sd = sqrt(7.5) = 2.738613, z = (5 - 0.5) / 2.738613 = 1.643168 (negative: b is lower);
    # Phi(1.64) = 0.94950, Phi(1.65) = 0.95053 -> Phi(1.6432) ~ 0.94983, p ~ 0.1003.
    result = poisson_rate_test(20, 1.0, 10, 1.0)
    assert result.statistic == pytest.approx(-1.643168, abs=1e-6)
    assert result.p_value == pytest.approx(0.1003, abs=3e-4)
    assert result.significant is False


def test_poisson_no_events():
    assert poisson_rate_test(0, 10.0, 0, 20.0) == ChangeTest(None, 1.0, False)


def test_poisson_huge_counts():
    # 1,000,000 vs 1,002,000 over equal periods: k = 2,002,000, expected a = 1,001,000,
    # sd = sqrt(500,500) = 707.46025 (707.46025^2 = 500,500.0), z = (1000 - 0.5) / 707.46025:
    # 707.46025 * 1.4128 = 999.49984, remainder 0.00016 / 707.46 = 2.3e-7 -> z = 1.4128002;
    # normal table Phi(1.41) = 0.92073, Phi(1.42) = 0.92220 -> Phi(1.4128) ~ 0.92114, p ~ 0.1577.
    result = poisson_rate_test(1_000_000, 1.0, 1_002_000, 1.0)
    assert result.statistic == pytest.approx(1.4128002, abs=1e-6)
    assert result.p_value == pytest.approx(0.1577, abs=3e-4)
    assert result.significant is False


@pytest.mark.parametrize(
    "args", [(-1, 1.0, 1, 1.0), (1, 0.0, 1, 1.0), (1, 1.0, 1, -5.0)]
)
def test_poisson_rejects_bad_input(args):
    with pytest.raises(ValueError):
        poisson_rate_test(*args)


# ---------------------------------------------------------------------------------------------
# Sample variance from sums


def test_sample_variance_textbook_data():
    # Data 2, 4, 4, 4, 5, 5, 7, 9 (Wikipedia "Standard deviation"): sum 40, sum of squares 232,
    # n 8 -> (232 - 40^2/8) / 7 = 32/7 = 4.571429.
    assert sample_variance(40.0, 232.0, 8) == pytest.approx(32 / 7)


def test_sample_variance_two_values():
    # 1 and 3: sum 4, squares 10 -> (10 - 8) / 1 = 2.
    assert sample_variance(4.0, 10.0, 2) == pytest.approx(2.0)


@pytest.mark.parametrize("n", [0, 1])
def test_sample_variance_needs_two_values(n):
    assert sample_variance(5.0, 25.0, n) is None


def test_sample_variance_clamps_rounding_negatives():
    # Three values of 0.1 summed as floats: the true variance is 0.
    values = [0.1, 0.1, 0.1]
    total = sum(values)
    total_sq = sum(v * v for v in values)
    assert sample_variance(total, total_sq, 3) == pytest.approx(0.0, abs=1e-15)
    assert sample_variance(3.0, 3.0 - 1e-12, 3) == 0.0


def test_sample_variance_rejects_impossible_sums():
    # sum 10 over 2 values forces sum of squares >= 50.
    with pytest.raises(ValueError):
        sample_variance(10.0, 40.0, 2)
