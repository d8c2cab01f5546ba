"""What every request passes before a listener sees it, in this order: each delivery handled at
most once (`once.py`), then who may reach which surface (`access.py`, with the surfaces and
their audiences in `surfaces.py`). `install(app, …)` puts them on the app ahead of any listener.
"""

from __future__ import annotations

from slack_bolt import App

from bot.middleware.access import AccessGate
from bot.middleware.once import AtMostOnce

__all__ = ["AccessGate", "AtMostOnce", "install"]


def install(app: App, once: AtMostOnce, gate: AccessGate) -> None:
    """Register the middleware on `app`; call before any listener or the assistant is added."""
    app.middleware(once)
    app.middleware(gate)
