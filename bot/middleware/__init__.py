"""What every request passes before a listener sees it, in this order: each delivery handled at
most once (`once.py`), then who may reach which surface (`access.py`, with the surfaces and
their audiences in `surfaces.py`). `install(app, deps)` puts them on the app ahead of any
listener.
"""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from bot.middleware.access import AccessGate
from bot.middleware.once import AtMostOnce
from kpi_engine.storage.deliveries import DeliveryLog

__all__ = ["AccessGate", "AtMostOnce", "install"]


def install(app: App, deps: Deps) -> None:
    """Register the middleware on `app`; call before any listener or the assistant is added."""
    app.middleware(AtMostOnce(DeliveryLog(deps.engine.db, deps.engine.now)))
    app.middleware(AccessGate(deps.access, deps.agents, deps.support_channels.is_support_channel,
                              tell_in=deps.executor))
