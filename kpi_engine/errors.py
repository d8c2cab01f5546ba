"""The errors kpi_engine raises.

Exception tree:

    KpiError                      base of everything raised on purpose
    ├── UserError                 bad input from a person: shown to them, with suggestions
    │   ├── UnknownNameError      an unknown metric, dimension or value (suggests near names)
    │   ├── PeriodError           a period that cannot be read or cannot exist
    │   ├── QuestionRefused       a question that names no KPI, or could mean two things
    │   │   ├── NotAQuestion      not a question at all: code, instructions, empty, too long
    │   │   └── NotAFollowUp      a reply in a thread that is people talking, not a follow-up
    │   ├── ImportRejected        a CSV with bad rows (carries the row report)
    │   └── DatabaseUnavailable   the database cannot be reached or opened

Anything else is an internal error: the edges (CLI, Slack listeners) log it with its traceback
and answer with a short apology and an id.
"""

from __future__ import annotations


class KpiError(Exception):
    """Base of the errors kpi_engine raises on purpose."""


class UserError(KpiError):
    """A problem with what the person asked for: shown to them as is."""

    def __init__(self, message: str, suggestions: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = list(suggestions)

    def to_json(self) -> dict:
        return {"error": self.message, "suggestions": self.suggestions}


class UnknownNameError(UserError):
    """An unknown metric, dimension or value."""


class PeriodError(UserError):
    """A period that cannot be read, or cannot exist."""


class QuestionRefused(UserError):
    """A question that cannot be mapped to one KPI query: off-topic, empty, or ambiguous (then
    the suggestions are the readings to choose from)."""


class NotAQuestion(QuestionRefused):
    """Text that is no question to read (SQL or shell, instructions to a model, nothing, or
    too long): refused outright, never handed to a language model either."""


class NotAFollowUp(QuestionRefused):
    """A reply nobody addressed to kpibot that does not read as a follow-up: left alone."""


class DatabaseUnavailable(UserError):
    """The database cannot be reached: a problem of configuration, told to the person."""


class ImportRejected(UserError):
    """A CSV import that wrote nothing because of bad rows; `report` names every one."""

    def __init__(self, message: str, report) -> None:
        super().__init__(message, ["fix the rows named, or pass --skip-bad to write the good rows"])
        self.report = report
