"""`SlackMessage`: what one answer posts — the notification text and the Block Kit blocks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.blocks.kit import escape

__all__ = ["SlackMessage", "escape"]  # escape is kit's, here too for the listeners' imports


@dataclass(frozen=True, kw_only=True)
class SlackMessage:
    """A message ready for `chat.postMessage` / `respond`.

    `text` is the short notification and fallback text ("First contact resolution, last week:
    73.1% (n = 1,204)"); `blocks` the Block Kit blocks. `attach_csv` is True when a breakdown
    table was cut to fit: the app should upload `breakdown_csv(result)` in the same thread.
    """

    text: str
    blocks: tuple[dict[str, Any], ...]
    attach_csv: bool = False

    def to_payload(self) -> dict[str, Any]:
        """The `text` and `blocks` arguments of `chat.postMessage`."""
        return {"text": self.text, "blocks": [dict(block) for block in self.blocks]}
