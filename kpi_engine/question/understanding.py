"""`understand`: the one entry point for a question or a follow-up. With a language model
configured, the model reads it first (`llm.py`) and its draft is validated like any other; a
model that fails, times out or drafts something invalid gives way to the offline reader, and
the answer says so. Without a model, the offline reader alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kpi_engine.errors import NotAFollowUp, UserError
from kpi_engine.query import KpiQuery
from kpi_engine.question.draft import Assumption, Workspace, resolve_draft
from kpi_engine.question.followup import follow_up
from kpi_engine.question.rules import read_question

MAX_REASON_CHARS = 200  # a model's text quoted in an answer is cut to this


@dataclass(frozen=True)
class Understanding:
    """The query a question asks and which reader read it ("model" or "offline")."""

    query: KpiQuery
    reader: str


def understand(text: str, workspace: Workspace, *, previous: KpiQuery | None = None,
               model=None, model_timeout: float = 15.0,
               model_error: str | None = None, quiet: bool = False) -> Understanding:
    """Read `text` (a follow-up of `previous` when given) into a query, or raise a UserError.
    `model` is a LangChain chat model or None; `model_error` says why a configured model could
    not be loaded, so the answer can say the offline reader stood in. `quiet`: `text` is a
    reply nobody addressed to kpibot, read strictly as a follow-up (NotAFollowUp otherwise)
    and by the offline rules alone — a model would find a question in any chatter."""
    if quiet:
        if previous is None:
            raise NotAFollowUp("not a follow-up: there is no earlier question in this thread")
        return Understanding(follow_up(previous, text, workspace, strict=True), "offline")
    fallback_note = model_error
    if model is not None:
        from kpi_engine.question.llm import ModelUnavailable, read_with_model

        try:
            draft = read_with_model(text, workspace, model, timeout=model_timeout,
                                    previous=previous)
            return Understanding(resolve_draft(draft, workspace), "model")
        except ModelUnavailable as failure:
            fallback_note = failure.reason
        except UserError as invalid:
            fallback_note = f"its reading was not a valid query: {invalid.message}"
    query = follow_up(previous, text, workspace) if previous else read_question(text, workspace)
    if fallback_note:
        reason = fallback_note if len(fallback_note) <= MAX_REASON_CHARS \
            else fallback_note[:MAX_REASON_CHARS - 1] + "…"
        note = Assumption(f"the language model was not used ({reason}); read by the "
                          "offline rules", "reader")
        query = replace(query, assumptions=(*query.assumptions, note))
    return Understanding(query, "offline")
