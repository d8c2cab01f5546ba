"""A realistic, deterministic support-desk dataset for the demo and the benchmarks.

`generate(spec)` (tickets.py) streams canonical ticket rows (and each ticket's survey rows) in
`created_at` order; `write_csv` writes them as the two canonical CSV files that `kpibot import`
reads. The same `SampleSpec` (spec.py) always gives byte-identical output, and memory stays flat
however many tickets are asked for: only per-hour tables of the period (hours.py) and a few
small rings of recent customers are kept.

What makes it look like a real desk (every KPI of kpi-definitions.md has data):

- Volume: weekdays busier than weekends (a weekend day gets about a third of a weekday), a
  daily curve peaking late morning in the desk's local zone (`SampleSpec.tz`), a mild upward
  trend, day-to-day noise, and one "outage" week: a volume spike with tickets tagged `outage`,
  more complaints, more urgent tickets, and slower first replies.
- Channels chat 35%, email 35%, phone 15%, web 8%, social 5%, slack 2%; priorities
  low/normal/high/urgent 20/55/18/7%; entry tier 1/2/3 about 65/25/10% (the tier of the
  ticket's agent, see `desk.AGENTS`). The team is the agent's team.
- First replies in seconds (phone) or minutes (chat) up to hours (email, web; those wait for
  business hours); about 3% never answered. Solved minutes to days later; about 2% still new,
  open or pending at `spec.end`, most of them from the last days. Solved tickets older than four
  days are `closed`, as helpdesks auto-close them.
- Agents differ: a couple of strong ones (better FCR and CSAT), a couple of weaker ones.
- Customers come back: a pool of about tickets/3 customers, plus unhappy customers returning
  within days, so next-issue avoidance has both outcomes.
- Surveys for solved, answered tickets: a CSAT request (with a CES question alongside) for
  about 60% of slack/chat/email tickets, about 35% answered; an NPS request for about 10% of
  solved tickets. Scores follow the ticket's experience (reopens, escalations, slow replies,
  complaints score lower).

Source: tickets of the slack channel come from source `slack`, the others from `zendesk`
(unless a `source` is given for all rows); a survey row carries its ticket's source.
Timestamps are whole seconds, written as ISO 8601 with the local offset of `spec.tz`; nothing is
later than `spec.end`.

Standard library only.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from kpi_engine.samples.spec import SURVEY_COLUMNS, TICKET_COLUMNS, SampleSpec
from kpi_engine.samples.tickets import generate


def write_csv(
    spec: SampleSpec,
    tickets_path: Path,
    surveys_path: Path,
    *,
    progress: Callable[[int], None] | None = None,
    source: str | None = None,
) -> tuple[int, int]:
    """Write the dataset of `spec` as the canonical tickets and surveys CSV files (UTF-8, with
    a header row). `progress`, if given, is called with the number of tickets written so far,
    every 10,000 tickets and at the end; `source` is as for `generate`. Returns the rows
    written: (tickets, surveys)."""
    n_tickets = n_surveys = 0
    with (
        open(tickets_path, "w", newline="", encoding="utf-8") as tickets_file,
        open(surveys_path, "w", newline="", encoding="utf-8") as surveys_file,
    ):
        ticket_writer = csv.writer(tickets_file, lineterminator="\n")
        survey_writer = csv.writer(surveys_file, lineterminator="\n")
        ticket_writer.writerow(TICKET_COLUMNS)
        survey_writer.writerow(SURVEY_COLUMNS)
        write_ticket = ticket_writer.writerow
        write_surveys = survey_writer.writerows
        for ticket, surveys in generate(spec, source=source):
            write_ticket(ticket.values())
            n_tickets += 1
            if surveys:
                write_surveys([survey.values() for survey in surveys])
                n_surveys += len(surveys)
            if progress is not None and n_tickets % 10_000 == 0:
                progress(n_tickets)
    if progress is not None and n_tickets % 10_000 != 0:
        progress(n_tickets)
    return n_tickets, n_surveys
