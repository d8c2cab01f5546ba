"""Asking end to end: a question (or a follow-up) → understood query → computed result → an
`Answer` that is either the result or the refusal, never both (a why: the change explained,
with the comparison it explains as the result). `QuestionAnswerer` holds what
every question of a session shares: the engine, the known values, the language model if any.
The CLI and the Slack app format answers; nothing here knows either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from kpi_engine.engine import KpiEngine
from kpi_engine.errors import UserError
from kpi_engine.query import KpiQuery, KpiResult
from kpi_engine.query.explanation import ChangeExplanation
from kpi_engine.question.draft import Workspace
from kpi_engine.question.lexicon import Lexicon, load_lexicon
from kpi_engine.question.understanding import understand
from kpi_engine.settings import Settings


@dataclass(frozen=True)
class Answer:
    """The answer to one question: a result, or the refusal with its suggestions. A why
    ("why did CSAT drop?") also carries its `explanation`; `result` is then the comparison it
    explains."""

    question: str
    result: KpiResult | None = None
    refusal: UserError | None = None
    reader: str = "offline"
    explanation: ChangeExplanation | None = None

    @property
    def exit_code(self) -> int:
        return 0 if self.refusal is None else 1

    def to_json(self) -> dict[str, Any]:
        """The JSON answer of kpi-definitions.md with the question; or the error object."""
        if self.refusal is not None:
            return {"question": self.question, **self.refusal.to_json()}
        if self.explanation is not None:
            return {"question": self.question, **self.explanation.to_json()}
        return {"question": self.question, **self.result.to_json()}

    def text(self) -> str:
        from kpi_engine.formatting import render_text

        if self.refusal is not None:
            return refusal_line(self.refusal)
        if self.explanation is not None:
            return self.explanation.text()
        return render_text(self.result)

    def line(self) -> str:
        """The answer on one line (for one answer per question read from a stream)."""
        from kpi_engine.formatting import render_line

        if self.refusal is not None:
            return "can't answer: " + refusal_line(self.refusal)
        if self.explanation is not None:
            return self.explanation.line()
        return render_line(self.result)


def refusal_line(refusal: UserError) -> str:
    hint = f" (try: {'; '.join(refusal.suggestions[:5])})" if refusal.suggestions else ""
    return f"{refusal.message}{hint}"


class QuestionAnswerer:
    """Answers questions on one database under one workspace's settings."""

    def __init__(self, engine: KpiEngine, *, lexicon: Lexicon | None = None, model=None,
                 model_error: str | None = None, lexicon_max_age: float | None = None) -> None:
        """`lexicon_max_age` (seconds): a long-running process reads the known agents, teams
        and tags again when its copy is older, so newly imported names become askable."""
        self.engine = engine
        self.lexicon = lexicon if lexicon is not None else load_lexicon(engine.db)
        self.lexicon_max_age = lexicon_max_age
        self._lexicon_read_at = time.monotonic()
        self.model = model
        self.model_error = model_error

    @classmethod
    def from_settings(cls, settings: Settings, *, engine: KpiEngine | None = None,
                      lexicon_max_age: float | None = None) -> QuestionAnswerer:
        """Open the database (unless `engine` is given), read its known values, load the
        language model if configured."""
        if engine is None:
            from kpi_engine.storage.database import open_database

            engine = KpiEngine(open_database(settings.database_url), settings)
        model = model_error = None
        if settings.llm:
            from kpi_engine.question.llm import ModelUnavailable, load_chat_model

            try:
                model = load_chat_model(settings.llm, base_url=settings.llm_base_url,
                                        timeout=settings.llm_timeout_seconds)
            except ModelUnavailable as failure:
                model_error = failure.reason
        return cls(engine, model=model, model_error=model_error, lexicon_max_age=lexicon_max_age)

    def workspace(self) -> Workspace:
        settings = self.engine.settings
        if (self.lexicon_max_age is not None
                and time.monotonic() - self._lexicon_read_at > self.lexicon_max_age):
            self._lexicon_read_at = time.monotonic()
            self.lexicon = load_lexicon(self.engine.db)
        return Workspace(lexicon=self.lexicon, now=self.engine.now(), tz=settings.zone,
                         week_start=settings.week_start)

    def understand(self, question: str, previous: KpiQuery | None = None, *,
                   quiet: bool = False):
        settings = self.engine.settings
        return understand(question, self.workspace(), previous=previous, model=self.model,
                          model_timeout=settings.llm_timeout_seconds,
                          model_error=self.model_error, quiet=quiet)

    def ask(self, question: str, previous: KpiQuery | None = None, *,
            quiet: bool = False) -> Answer:
        """Understand and compute; a UserError becomes the answer's refusal. `quiet`: a reply
        nobody addressed to kpibot, answered only when it reads as a follow-up of `previous`."""
        try:
            understood = self.understand(question, previous, quiet=quiet)
            if understood.query.explain_change:
                explanation = self.engine.explain_change(understood.query)
                return Answer(question=question, result=explanation.result(),
                              reader=understood.reader, explanation=explanation)
            return Answer(question=question, result=self.engine.run(understood.query),
                          reader=understood.reader)
        except UserError as refusal:
            return Answer(question=question, refusal=refusal)
