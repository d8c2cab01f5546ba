"""What a sample desk is: `SampleSpec`, what to generate (how many tickets, over how many days
before when, the seed, the desk's zone), and the columns of the ticket and survey rows it is
generated as (tickets.py) and written as (data.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

TICKET_COLUMNS: tuple[str, ...] = (
    "id",
    "created_at",
    "first_response_at",
    "solved_at",
    "status",
    "channel",
    "priority",
    "tier",
    "team",
    "agent",
    "customer",
    "agent_replies",
    "customer_messages",
    "reopens",
    "escalated",
    "handle_time_seconds",
    "hold_time_seconds",
    "tags",
    "source",
)

SURVEY_COLUMNS: tuple[str, ...] = (
    "ticket_id",
    "kind",
    "sent_at",
    "score",
    "responded_at",
    "comment",
    "source",
)


@dataclass(frozen=True)
class SampleSpec:
    """What to generate: `tickets` tickets created in the `days` days before `end`."""

    tickets: int = 20_000
    end: datetime = field(kw_only=True)
    days: int = 120
    seed: int = 7
    tz: str = "UTC"  # the desk's local zone: the daily and weekly rhythm follow local hours

    def __post_init__(self) -> None:
        if self.end.tzinfo is None or self.end.utcoffset() is None:
            raise ValueError("SampleSpec.end must be an aware datetime")
        if self.tickets < 0:
            raise ValueError("SampleSpec.tickets must be >= 0")
        if self.days < 1:
            raise ValueError("SampleSpec.days must be >= 1")
        ZoneInfo(self.tz)  # raises for an unknown zone
