"""The closed sets the engine speaks in: units, directions, dimensions, survey kinds, and the
ticket fields' allowed values. Everything here is an Enum or a constant: no behaviour."""

from __future__ import annotations

from enum import Enum


class Unit(Enum):
    COUNT = "count"
    SECONDS = "seconds"
    RATIO = "ratio"
    SCORE = "score"


class Direction(Enum):
    """Which way is better; NEUTRAL for volumes, where neither is."""

    HIGHER = "higher"
    LOWER = "lower"
    NEUTRAL = "neutral"


class Anchor(Enum):
    """The timestamp that places a record in a period."""

    CREATED = "created_at"
    SOLVED = "solved_at"
    RESPONDED = "responded_at"
    SENT = "sent_at"
    PERIOD_END = "period_end"


class Population(Enum):
    """What a metric counts over."""

    TICKETS = "tickets"
    SURVEY_RESPONSES = "survey_responses"
    SURVEY_REQUESTS = "survey_requests"


class Aggregation(Enum):
    """How per-record values become one number; it also picks the significance test."""

    COUNT = "count"  # number of records; change tested as a Poisson rate
    MEAN = "mean"  # mean of a per-record value; change tested by Welch's t-test
    SHARE = "share"  # share of records where a condition holds; two-proportion z-test


class Dimension(Enum):
    """What a question can filter or break down by."""

    TIER = "tier"
    TEAM = "team"
    AGENT = "agent"
    CHANNEL = "channel"
    PRIORITY = "priority"
    TAG = "tag"
    CUSTOMER = "customer"
    KIND = "kind"  # the survey kind; only for survey_response_rate


class Granularity(Enum):
    """The step of a trend: one value per day, week or month of the period."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Statistic(Enum):
    """Which statistic of a time KPI is its value: the mean by default; the median ("typical")
    or the 90th percentile when asked."""

    MEAN = "mean"
    MEDIAN = "median"
    P90 = "p90"


class Frame(Enum):
    """How a question asks about a KPI, which picks the KPI among those its words concern:
    "how long/how fast …" a duration, "how many …" a count, "what share/how often …" a
    rate or share. Each KPI is in the frame of its unit (a score's is SHARE: "how satisfied")."""

    DURATION = "duration"
    COUNT = "count"
    SHARE = "share"


class SurveyKind(Enum):
    CSAT = "csat"
    CES = "ces"
    NPS = "nps"


SURVEY_SCALES: dict[SurveyKind, tuple[int, int]] = {
    SurveyKind.CSAT: (1, 5),
    SurveyKind.CES: (1, 7),
    SurveyKind.NPS: (0, 10),
}

STATUSES = ("new", "open", "pending", "solved", "closed")
CHANNELS = ("chat", "email", "phone", "slack", "web", "social")
PRIORITIES = ("low", "normal", "high", "urgent")
TIERS = ("1", "2", "3")

# Dimensions whose values are a fixed list, so a bad value can be refused without a query.
FIXED_VALUES: dict[Dimension, tuple[str, ...]] = {
    Dimension.TIER: TIERS,
    Dimension.CHANNEL: CHANNELS,
    Dimension.PRIORITY: PRIORITIES,
    Dimension.KIND: tuple(kind.value for kind in SurveyKind),
}
