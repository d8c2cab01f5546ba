"""Block Kit's building blocks and limits: mrkdwn escaping, sections, context lines, headers.

Anything that came from data or from a person (team and agent names, tags, the question) goes
through `escape` before it lands in mrkdwn, so `<!channel>` or `<script>&` show as typed.
"""

from __future__ import annotations

from typing import Any

MAX_SECTION_TEXT = 3_000  # characters of a section's text, code fences included
MAX_CONTEXT_TEXT = 2_000  # kept below the 3,000 of a text object: context lines are short
MAX_CONTEXT_ELEMENTS = 10
MAX_HEADER_TEXT = 150
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
CODE_FENCE = "```"
ELLIPSIS = "…"

_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))


def escape(text: str) -> str:
    """Text shown as typed in mrkdwn: &, < and > escaped as Slack asks."""
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return text


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def plain_text(text: str, limit: int | None = None) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) if limit else text, "emoji": True}


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    """A mrkdwn section; text past Slack's 3,000 characters is cut."""
    block: dict[str, Any] = {"type": "section", "text": mrkdwn(clip(text, MAX_SECTION_TEXT))}
    if block_id:
        block["block_id"] = block_id
    return block


def fields_section(fields: list[str], block_id: str | None = None) -> dict[str, Any]:
    """A section of up to 10 mrkdwn fields shown in two columns."""
    block: dict[str, Any] = {
        "type": "section",
        "fields": [mrkdwn(clip(field, MAX_CONTEXT_TEXT)) for field in fields[:10]],
    }
    if block_id:
        block["block_id"] = block_id
    return block


def context(*texts: str, block_id: str | None = None) -> dict[str, Any]:
    """A context block: small grey mrkdwn lines (at most 10 elements)."""
    elements = [mrkdwn(clip(text, MAX_CONTEXT_TEXT)) for text in texts[:MAX_CONTEXT_ELEMENTS]]
    block: dict[str, Any] = {"type": "context", "elements": elements}
    if block_id:
        block["block_id"] = block_id
    return block


def header(text: str) -> dict[str, Any]:
    """A header: plain text, at most 150 characters."""
    return {"type": "header", "text": plain_text(text, MAX_HEADER_TEXT)}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def code_block(lines: list[str]) -> str:
    """Lines (already escaped) as a monospace block."""
    return CODE_FENCE + "\n" + "\n".join(lines) + "\n" + CODE_FENCE


def bullets(items: list[str]) -> str:
    return "\n".join(f"• {item}" for item in items)
