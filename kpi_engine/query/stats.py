"""The statistics behind "honest numbers".

Wilson score intervals for rates (e.g. an SLA hit rate over few tickets), and tests of whether
a change between two periods is larger than noise: proportions, means (Welch) and event rates
(Poisson counts over period lengths). Standard library only.

Sign convention: every ``statistic`` is for period b relative to period a, so it is positive
when b is higher than a. A test is significant when its two-sided p-value is below ``alpha``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054

_SQRT2 = math.sqrt(2.0)
_EPS = 1e-15  # relative accuracy asked of the continued fraction
_FPMIN = 1e-300  # stands in for zero in Lentz's algorithm


@dataclass(frozen=True)
class Interval:
    """A closed interval [low, high]."""

    low: float
    high: float


@dataclass(frozen=True)
class ChangeTest:
    """Outcome of a change test; None fields mean the test could not be run."""

    statistic: float | None
    p_value: float | None
    significant: bool | None


def _check_alpha(alpha: float) -> None:
    """Reject a significance level outside (0, 1)."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")


def _check_count(successes: int, n: int) -> None:
    """Reject negative counts or more successes than trials."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes}/{n}")


def _normal_two_sided(z: float) -> float:
    """Two-sided p-value of a standard normal statistic."""
    return math.erfc(abs(z) / _SQRT2)


def wilson_interval(successes: int, n: int, z: float = Z95) -> Interval | None:
    """Wilson score interval for the proportion successes/n; None when n == 0."""
    _check_count(successes, n)
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(low, high)


def two_proportion_test(
    successes_a: int, n_a: int, successes_b: int, n_b: int, alpha: float = 0.05
) -> ChangeTest:
    """Pooled two-sided z-test of whether successes_b/n_b differs from successes_a/n_a."""
    _check_count(successes_a, n_a)
    _check_count(successes_b, n_b)
    _check_alpha(alpha)
    if n_a == 0 or n_b == 0:
        return ChangeTest(None, None, None)
    pooled = (successes_a + successes_b) / (n_a + n_b)
    if pooled <= 0.0 or pooled >= 1.0:
        # All failures or all successes in both periods: no variance, no change.
        return ChangeTest(None, 1.0, False)
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b))
    z = (successes_b / n_b - successes_a / n_a) / se
    p = _normal_two_sided(z)
    return ChangeTest(z, p, p < alpha)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function, by the modified Lentz method."""
    max_iterations = 1000 + int(20 * math.sqrt(a + b))
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _FPMIN else _FPMIN)
    h = d
    for m in range(1, max_iterations + 1):
        m2 = 2 * m
        for coeff in (
            m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)),  # even step d_{2m}
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)),  # odd step d_{2m+1}
        ):
            d = 1.0 + coeff * d
            d = 1.0 / (d if abs(d) > _FPMIN else _FPMIN)
            c = 1.0 + coeff / c
            c = c if abs(c) > _FPMIN else _FPMIN
            delta = c * d
            h *= delta
        if abs(delta - 1.0) < _EPS:
            return h
    raise ArithmeticError(f"incomplete beta did not converge for a={a}, b={b}, x={x}")


def _regularized_beta(a: float, b: float, x: float, one_minus_x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function; 1 - x is passed for accuracy."""
    if x <= 0.0:
        return 0.0
    if one_minus_x <= 0.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
        + a * math.log(x) + b * math.log(one_minus_x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, one_minus_x) / b


def _student_t_two_sided(t: float, df: float) -> float:
    """Two-sided p-value P(|T| >= |t|) for Student's t with df degrees of freedom."""
    t2 = t * t
    if math.isinf(t2):
        return 0.0
    p = _regularized_beta(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2))
    return min(1.0, max(0.0, p))


def welch_test(
    mean_a: float, var_a: float, n_a: int,
    mean_b: float, var_b: float, n_b: int,
    alpha: float = 0.05,
) -> ChangeTest:
    """Welch's two-sided unequal-variance t-test of whether mean_b differs from mean_a."""
    _check_alpha(alpha)
    if var_a < 0.0 or var_b < 0.0:
        raise ValueError("variances must not be negative")
    if n_a < 2 or n_b < 2:
        return ChangeTest(None, None, None)
    se2_a = var_a / n_a
    se2_b = var_b / n_b
    se2 = se2_a + se2_b
    if se2 == 0.0:
        # No spread at all: any difference in means is certain, none is certainly none.
        if mean_a == mean_b:
            return ChangeTest(None, 1.0, False)
        return ChangeTest(None, 0.0, True)
    t = (mean_b - mean_a) / math.sqrt(se2)
    df = se2 * se2 / (se2_a * se2_a / (n_a - 1) + se2_b * se2_b / (n_b - 1))
    p = _student_t_two_sided(t, df)
    return ChangeTest(t, p, p < alpha)


def _binomial_pmf(k: int, n: int, p: float) -> float:
    """P(X = k) for X ~ Binomial(n, p) with 0 < p < 1."""
    log_pmf = (
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        + k * math.log(p) + (n - k) * math.log1p(-p)
    )
    return math.exp(log_pmf)


def poisson_rate_test(
    count_a: int, exposure_a: float, count_b: int, exposure_b: float, alpha: float = 0.05
) -> ChangeTest:
    """Conditional two-sided test of whether the rate count_b/exposure_b differs from a's.

    Given k = count_a + count_b, count_a ~ Binomial(k, exposure_a / (exposure_a + exposure_b)).
    The statistic is the continuity-corrected z (positive when b's rate is higher); the p-value
    is from that normal approximation when k >= 30 and the exact binomial p when k < 30.
    With no events in either period there is no evidence of change: ChangeTest(None, 1.0, False).
    """
    _check_alpha(alpha)
    if count_a < 0 or count_b < 0:
        raise ValueError("counts must not be negative")
    if not (exposure_a > 0.0 and exposure_b > 0.0):
        raise ValueError("exposures must be positive")
    k = count_a + count_b
    if k == 0:
        return ChangeTest(None, 1.0, False)
    share_a = exposure_a / (exposure_a + exposure_b)
    expected_a = k * share_a
    excess = count_a - expected_a
    sd = math.sqrt(k * share_a * (1.0 - share_a))
    z = max(abs(excess) - 0.5, 0.0) / sd
    statistic = -z if excess > 0 else z
    if k >= 30:
        p = _normal_two_sided(z)
    else:
        # Sum the probabilities of every outcome no more likely than the one observed
        # (the relative slack keeps ties that differ only by rounding).
        observed = _binomial_pmf(count_a, k, share_a)
        p = sum(
            prob
            for prob in (_binomial_pmf(i, k, share_a) for i in range(k + 1))
            if prob <= observed * (1.0 + 1e-7)
        )
        p = min(1.0, p)
    return ChangeTest(statistic, p, p < alpha)


def sample_variance(total: float, total_sq: float, n: int) -> float | None:
    """Unbiased variance from sum(x) and sum(x*x) over n values; None when n < 2."""
    if n < 2:
        return None
    numerator = total_sq - total * total / n
    if numerator < 0.0:
        # Rounding can push a zero spread slightly negative; anything larger is bad input.
        if -numerator > 1e-8 * max(abs(total_sq), 1.0):
            raise ValueError("sum of squares is smaller than the sum allows")
        return 0.0
    return numerator / (n - 1)
