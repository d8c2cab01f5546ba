"""The Slack identifiers kpibot keeps as data: channel ids (C…, G… for private channels, D…
for a direct message), as typed or as Slack writes a channel link (`<#C0123|support>`), and
user ids (U…, W… on Enterprise Grid). Slack-free: just the shapes."""

from __future__ import annotations

import re

_CHANNEL = re.compile(r"^(?:<#(?P<linked>[CGD][A-Z0-9]+)(?:\|[^>]*)?>|(?P<id>[CGD][A-Z0-9]+))$")
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


def channel_id(text: str, *, direct_messages: bool = True) -> str | None:
    """The channel id `text` names (bare, or a channel link), or None; with
    `direct_messages` False, a DM's id (D…) is not a channel."""
    found = _CHANNEL.match(str(text).strip())
    if found is None:
        return None
    named = found["linked"] or found["id"]
    return None if not direct_messages and named.startswith("D") else named


def is_user_id(text: str | None) -> bool:
    return bool(text) and _USER.match(text) is not None
