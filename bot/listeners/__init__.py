"""The Slack surfaces, one package each, each exposing `register(app, deps)` and nothing else
the app needs: a new surface is one new package and one entry in `SURFACES`.

`register_listeners(app, deps)` registers them in the order of `SURFACES`. The assistant goes
first: its middleware claims the messages of assistant threads before the plain message
listener sees them. `/kpi` subcommands are not surfaces: they are entries in the table of
`command/` (a surface may declare one, as `digests/` and `support/` do).
"""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps

# `command` is imported before the surfaces that declare a subcommand: its table imports them.
from bot.listeners import (
    assistant,
    command,
    digests,
    feedback,
    home,
    mentions,
    messages,
    support,
    surveys,
)

SURFACES = (assistant, mentions, messages, support, surveys, feedback, command, digests, home)


def register_listeners(app: App, deps: Deps) -> None:
    """Register every surface's listeners on `app`, in the order of `SURFACES`."""
    for surface in SURFACES:
        surface.register(app, deps)
