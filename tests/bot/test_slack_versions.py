"""The versions of slack-bolt and slack-sdk kpibot needs, checked against the installed code:
what the agent view, the table block and the feedback buttons use exists with the shape kpibot
uses, the installed versions meet pyproject.toml's lower bounds, and the README names the same
bounds and the versions it was tested with.

The bounds were found in the released code: `SetStatus(loading_messages=…)` first appears in
slack-bolt 1.26.0 (1.25.0 has no such argument), and `assistant_threads_setSuggestedPrompts`
takes no `thread_ts` (the Messages tab of the agent view) from slack-sdk 3.43.0 (3.42.0
requires one); `TableBlock`, `ContextActionsBlock` and `FeedbackButtonsElement` are in both.
"""

from __future__ import annotations

import inspect
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from slack_bolt import Assistant, SetStatus, SetSuggestedPrompts, SetTitle
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ContextActionsBlock,
    FeedbackButtonsElement,
    RawTextObject,
    TableBlock,
)

ROOT = Path(__file__).resolve().parents[2]
NEEDED = {"slack-bolt": (1, 26), "slack-sdk": (3, 43)}


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _lower_bounds() -> dict[str, tuple[int, ...]]:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["dependencies"]
    bounds = {}
    for dependency in dependencies:
        name, _, bound = dependency.partition(">=")
        if name.strip() in NEEDED:
            bounds[name.strip()] = _release(bound)
    return bounds


def test_pyproject_asks_for_the_versions_that_have_what_kpibot_uses():
    assert _lower_bounds() == NEEDED


def test_the_installed_versions_meet_the_bounds():
    for name, bound in NEEDED.items():
        assert _release(version(name)) >= bound, (name, version(name))


def test_the_readme_names_the_bounds_and_the_versions_tested():
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "slack-bolt ≥ 1.26" in readme and "slack-sdk ≥ 3.43" in readme
    assert (f"tested with slack-bolt {version('slack-bolt')} and slack-sdk "
            f"{version('slack-sdk')}") in readme, "update the versions tested in README.md"


def test_the_agent_view_calls_exist_as_kpibot_makes_them():
    status = inspect.signature(SetStatus.__call__).parameters
    assert "loading_messages" in status  # the rotating messages while an answer is computed
    prompts = inspect.signature(WebClient.assistant_threads_setSuggestedPrompts).parameters
    assert prompts["thread_ts"].default is None  # the Messages tab has no thread
    assert {"title", "prompts", "channel_id"} <= set(prompts)
    assert "title" in inspect.signature(SetSuggestedPrompts.__call__).parameters
    assert "title" in inspect.signature(SetTitle.__call__).parameters
    assert "loading_messages" in inspect.signature(
        WebClient.assistant_threads_setStatus).parameters
    for listener in ("thread_started", "user_message", "thread_context_changed"):
        assert callable(getattr(Assistant, listener)), listener


def test_the_blocks_kpibot_sends_have_models():
    table = TableBlock(rows=[[RawTextObject(text="a")]], column_settings=[{"align": "right"}])
    assert table.to_dict()["type"] == "table"
    thumbs = ContextActionsBlock(elements=[FeedbackButtonsElement(
        action_id="a", positive_button={"text": {"type": "plain_text", "text": "👍"},
                                        "value": "up"},
        negative_button={"text": {"type": "plain_text", "text": "👎"}, "value": "down"})])
    assert thumbs.to_dict()["elements"][0]["type"] == "feedback_buttons"
