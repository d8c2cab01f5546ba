"""Structural checks of Block Kit payloads against Slack's limits, for every message built."""

from __future__ import annotations

import json

KNOWN_BLOCK_TYPES = {"section", "context", "header", "divider", "actions", "image", "rich_text"}
TEXT_TYPES = {"mrkdwn", "plain_text"}


def assert_valid_message(message) -> None:
    """A SlackMessage: short fallback text, at most 50 valid blocks, JSON-serialisable."""
    assert isinstance(message.text, str) and message.text.strip()
    assert isinstance(message.blocks, tuple)
    assert_valid_blocks(message.blocks, max_blocks=50)
    json.dumps(message.to_payload())


def assert_valid_view(view: dict) -> None:
    assert view["type"] == "home"
    assert_valid_blocks(view["blocks"], max_blocks=100)
    json.dumps(view)


def assert_valid_blocks(blocks, *, max_blocks: int) -> None:
    assert 0 < len(blocks) <= max_blocks
    block_ids = [block["block_id"] for block in blocks if "block_id" in block]
    assert len(block_ids) == len(set(block_ids)), "block ids must be unique"
    for block in blocks:
        assert block["type"] in KNOWN_BLOCK_TYPES, block
        assert len(block.get("block_id", "")) <= 255
        check = CHECKS.get(block["type"])
        if check:
            check(block)


def _text(obj: dict, limit: int) -> None:
    assert obj["type"] in TEXT_TYPES
    assert isinstance(obj["text"], str) and obj["text"].strip()
    assert len(obj["text"]) <= limit, f"{len(obj['text'])} > {limit}"


def _section(block: dict) -> None:
    assert "text" in block or "fields" in block
    if "text" in block:
        _text(block["text"], 3000)
    for field in block.get("fields", []):
        _text(field, 2000)
    assert len(block.get("fields", [])) <= 10


def _context(block: dict) -> None:
    assert 1 <= len(block["elements"]) <= 10
    for element in block["elements"]:
        _text(element, 3000)


def _header(block: dict) -> None:
    assert block["text"]["type"] == "plain_text"
    _text(block["text"], 150)


def _divider(block: dict) -> None:
    assert set(block) <= {"type", "block_id"}


CHECKS = {"section": _section, "context": _context, "header": _header, "divider": _divider}


def texts(blocks) -> list[str]:
    """Every text of the blocks, in order (sections, fields, context elements, headers)."""
    found = []
    for block in blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [field["text"] for field in block.get("fields", [])]
        found += [element["text"] for element in block.get("elements", [])]
    return found


def block(blocks, block_id: str) -> dict:
    """The block with `block_id`."""
    matches = [b for b in blocks if b.get("block_id") == block_id]
    assert len(matches) == 1, f"no single block {block_id!r}"
    return matches[0]


def text_of(blocks, block_id: str) -> str:
    found = block(blocks, block_id)
    if "text" in found:
        return found["text"]["text"]
    return "\n".join(element["text"] for element in found["elements"])
