"""Internal errors at the edges: logged with their traceback under a short id the person sees."""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

from bot.logs import OneLineFormatter

logger = logging.getLogger("kpibot")


def error_log_path() -> Path:
    """Where tracebacks go: $KPIBOT_ERROR_LOG, else ~/.local/state/kpibot/errors.log."""
    configured = os.environ.get("KPIBOT_ERROR_LOG")
    if configured:
        return Path(configured)
    state = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state"))
    return state / "kpibot" / "errors.log"


def log_internal_error(context: str) -> str:
    """Log the exception being handled with its traceback; return the id to show the person."""
    incident = uuid.uuid4().hex[:8]
    if not logger.handlers:
        path = error_log_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
        except OSError:
            handler = logging.StreamHandler()
        handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
    logger.exception("internal error %s in %s", incident, context)
    return incident
