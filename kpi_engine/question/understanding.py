"""`understand`: the one entry point for a question or a follow-up. The offline reader reads
first; a language model, when one is configured, is asked only when the offline reader would
ask back or cannot read the text — never for what is no question at all (`NotAQuestion`:
code, instructions, nothing, too much), never for a reply nobody addressed to kpibot. The
model's draft is validated by `resolve_draft` like any other; when the model gives no usable
draft (it fails, is too slow, finds no KPI, drafts something invalid) the offline reader's
refusal stands, and why the model gave none is logged, not shown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from kpi_engine.errors import NotAFollowUp, NotAQuestion, UserError
from kpi_engine.query import KpiQuery
from kpi_engine.question.draft import Assumption, Workspace, resolve_draft
from kpi_engine.question.followup import follow_up
from kpi_engine.question.rules import read_question

log = logging.getLogger(__name__)

MAX_REASON_CHARS = 200  # a model's text quoted in an answer is cut to this
READER_TOPIC = "reader"
MODEL_NOTE = "read by the language model"
MODEL_AFTER_REFUSAL = f"{MODEL_NOTE} (the offline rules could not read it)"
NOT_USED = "the language model was not used"


@dataclass(frozen=True)
class Understanding:
    """The query a question asks and which reader read it ("model" or "offline")."""

    query: KpiQuery
    reader: str


def understand(text: str, workspace: Workspace, *, previous: KpiQuery | None = None,
               model=None, model_timeout: float = 15.0, model_error: str | None = None,
               quiet: bool = False, model_first: bool = False) -> Understanding:
    """Read `text` (a follow-up of `previous` when given) into a query, or raise a UserError.
    `model` is a LangChain chat model or None; `model_error` says why a configured model could
    not be loaded (an offline reading then says so). `quiet`: `text` is a reply nobody
    addressed to kpibot, read strictly as a follow-up (NotAFollowUp otherwise) and by the
    offline rules alone — a model would find a question in any chatter. `model_first`: ask
    the model even when the offline reader reads the text (to try a model or a prompt on
    questions the rules read); the offline reading stands when the model gives none."""
    if previous is not None:
        previous = replace(previous, assumptions=tuple(
            note for note in previous.assumptions if not _about_reader(note)))
    if quiet:
        if previous is None:
            raise NotAFollowUp("not a follow-up: there is no earlier question in this thread")
        return Understanding(follow_up(previous, text, workspace, strict=True), "offline")
    offline, refusal = _read_offline(text, workspace, previous)
    if model is not None and (refusal is not None or model_first):
        query = _read_by_model(text, workspace, model, model_timeout, previous)
        if query is not None:
            note = MODEL_NOTE if refusal is None else MODEL_AFTER_REFUSAL
            return Understanding(_noted(query, note), "model")
    if refusal is not None:
        raise refusal
    if model is None and model_error:
        offline = _noted(offline, f"{NOT_USED} ({_cut(model_error)}); read by the offline rules")
    return Understanding(offline, "offline")


def _read_offline(text: str, workspace: Workspace,
                  previous: KpiQuery | None) -> tuple[KpiQuery | None, UserError | None]:
    """The offline reading, or its refusal; NotAQuestion is raised, for no one reads it."""
    try:
        if previous is not None:
            return follow_up(previous, text, workspace), None
        return read_question(text, workspace), None
    except NotAQuestion:
        raise
    except UserError as refusal:
        return None, refusal


def _read_by_model(text: str, workspace: Workspace, model, timeout: float,
                   previous: KpiQuery | None) -> KpiQuery | None:
    """The model's reading validated into a query; None (and a log line saying why) when it
    gives none: no draft, no KPI in it, or a draft that is not a valid query."""
    from kpi_engine.question.llm import ModelUnavailable, read_with_model

    try:
        draft = read_with_model(text, workspace, model, timeout=timeout, previous=previous)
        if draft.metric is None:
            log.info("the language model found no KPI in %r", text[:80])
            return None
        return resolve_draft(draft, workspace)
    except ModelUnavailable as failure:
        log.warning("%s: %s", NOT_USED, _cut(failure.reason))
    except UserError as invalid:
        log.info("%s: its reading was not a valid query: %s", NOT_USED, _cut(invalid.message))
    return None


def _noted(query: KpiQuery, text: str) -> KpiQuery:
    return replace(query, assumptions=(*query.assumptions, Assumption(text, READER_TOPIC)))


def _about_reader(note: str) -> bool:
    """A note on who read the previous question: not carried into the next reading."""
    return (getattr(note, "topic", None) == READER_TOPIC
            or str(note).startswith((MODEL_NOTE, NOT_USED)))


def _cut(reason: str) -> str:
    return reason if len(reason) <= MAX_REASON_CHARS else reason[:MAX_REASON_CHARS - 1] + "…"
