"""Structural checks of Block Kit payloads against Slack's limits, for every message built.

Every block is also parsed by `slack_sdk.models.blocks.Block.parse` and turned back into a dict
by the model, which runs slack_sdk's own validators (block ids, text lengths, the five elements
of a context_actions block, the 75-character text and 2,000-character value of a feedback
button, the at-least-one-character raw_text cell); a key the model does not know fails too.
What the models leave to Slack is checked here from Slack's documented limits: a table block
has at most 100 rows of at most 20 cells and at most 20 column settings
(docs.slack.dev/reference/block-kit/blocks/table-block), one table a message, and a feedback
button's accessibility label is at most 75 characters
(docs.slack.dev/reference/block-kit/block-elements/feedback-buttons-element).
"""

from __future__ import annotations

import copy
import json
import warnings

from slack_sdk.models.blocks import (
    Block,
    ContextActionsBlock,
    FeedbackButtonsElement,
    RawTextObject,
    TableBlock,
)
from slack_sdk.models.blocks.basic_components import TableBlockColumnSettings

KNOWN_BLOCK_TYPES = {"section", "context", "header", "divider", "actions", "image", "rich_text",
                     "table", "context_actions"}
TEXT_TYPES = {"mrkdwn", "plain_text"}
MAX_TABLE_ROWS = 100
MAX_TABLE_CELLS = 20
MAX_ACCESSIBILITY_LABEL = 75


def assert_valid_message(message) -> None:
    """A SlackMessage: short fallback text, at most 50 valid blocks, JSON-serialisable."""
    assert isinstance(message.text, str) and message.text.strip()
    assert isinstance(message.blocks, tuple)
    assert_valid_blocks(message.blocks, max_blocks=50)
    assert sum(block["type"] == "table" for block in message.blocks) <= 1, (
        "Slack allows one table a message")
    json.dumps(message.to_payload())


def assert_valid_view(view: dict) -> None:
    assert view["type"] == "home"
    assert_valid_blocks(view["blocks"], max_blocks=100)
    assert not any(block["type"] == "table" for block in view["blocks"]), (
        "table blocks are for messages")
    json.dumps(view)


def assert_valid_blocks(blocks, *, max_blocks: int) -> None:
    assert 0 < len(blocks) <= max_blocks
    block_ids = [block["block_id"] for block in blocks if "block_id" in block]
    assert len(block_ids) == len(set(block_ids)), "block ids must be unique"
    for block in blocks:
        assert block["type"] in KNOWN_BLOCK_TYPES, block
        assert len(block.get("block_id", "")) <= 255
        assert_valid_by_slack_sdk(block)
        check = CHECKS.get(block["type"])
        if check:
            check(block)


def assert_valid_by_slack_sdk(block: dict) -> None:
    """slack_sdk's model of the block accepts it and validates it (`to_dict` runs the model's
    JsonValidators), and gives the same block back: the model knows every key we send (it
    drops the keys it does not know, logging them only)."""
    model = Block.parse(copy.deepcopy(block))
    assert model is not None and model.type == block["type"]
    assert model.to_dict() == block, f"slack_sdk's {type(model).__name__} differs: {block}"


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


def _table(block: dict) -> None:
    table = TableBlock(**block)
    table.to_dict()
    rows = block["rows"]
    assert 1 <= len(rows) <= MAX_TABLE_ROWS, f"{len(rows)} rows"
    width = len(rows[0])
    for row in rows:
        assert 1 <= len(row) <= MAX_TABLE_CELLS and len(row) == width, row
        for cell in row:
            assert cell["type"] == "raw_text" and set(cell) == {"type", "text"}, cell
            RawTextObject(text=cell["text"]).to_dict()  # at least one character
    settings = block.get("column_settings") or []
    assert len(settings) <= MAX_TABLE_CELLS
    for setting in settings:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parsed = TableBlockColumnSettings(**setting)
        assert parsed.align in ("left", "center", "right"), setting
        assert parsed.is_wrapped in (None, True, False)


def _context_actions(block: dict) -> None:
    ContextActionsBlock(**block).to_dict()
    assert 1 <= len(block["elements"]) <= 5
    for element in block["elements"]:
        assert element["type"] == "feedback_buttons", element
        FeedbackButtonsElement(**{k: v for k, v in element.items() if k != "type"}).to_dict()
        assert len(element["action_id"]) <= 255
        for button in (element["positive_button"], element["negative_button"]):
            assert button["text"]["type"] == "plain_text"
            assert 0 < len(button["text"]["text"]) <= 75 and 0 < len(button["value"]) <= 2000
            assert len(button.get("accessibility_label", "")) <= MAX_ACCESSIBILITY_LABEL


CHECKS = {"section": _section, "context": _context, "header": _header, "divider": _divider,
          "table": _table, "context_actions": _context_actions}


def texts(blocks) -> list[str]:
    """Every text of the blocks, in order (sections, fields, context elements, headers and the
    cells of a table)."""
    found = []
    for block in blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [field["text"] for field in block.get("fields", [])]
        found += [element["text"] for element in block.get("elements", [])
                  if isinstance(element.get("text"), str)]
        found += [cell["text"] for row in block.get("rows", []) for cell in row]
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


def table_of(blocks, block_id: str) -> list[list[str]]:
    """The cells of the table block with `block_id`, row by row, the header first."""
    found = block(blocks, block_id)
    assert found["type"] == "table", found
    return [[cell["text"] for cell in row] for row in found["rows"]]


def alignment_of(blocks, block_id: str) -> list[str]:
    """The `align` of each column of the table block with `block_id`."""
    return [setting["align"] for setting in block(blocks, block_id)["column_settings"]]
