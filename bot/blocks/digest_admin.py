"""Managing digests in Slack: the modal that adds or edits one, reading its submission back,
placing a definition's problems beside the inputs they concern, the `/kpi digest list` message
with Preview / Edit / Remove buttons, and the short notes that answer the other subcommands.
Pure builders: no client, no database.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.blocks import ids
from bot.blocks.home import DigestSummary, digest_text
from bot.blocks.kit import bullets, clip, context, escape, plain_text, section
from bot.blocks.message import SlackMessage
from kpi_engine.digests.definitions import (
    DIGEST_PERIODS,
    MAX_KPIS,
    MAX_NAME,
    Days,
    DigestDefinition,
    DigestInvalid,
)
from kpi_engine.metrics import METRICS

VALUE = "value"  # the action id of every modal input: the block id says which input it is
# the modal's input of the KPIs counted in business hours
DIGEST_FIELD_BUSINESS_HOURS = "kpi_digest_business_hours"
MAX_LISTED = 20  # digests in the list message (two blocks each)
MAX_ERROR = 150
DIGEST_HELP = (
    "`/kpi digest list` — the digests, with Preview, Edit and Remove\n"
    "`/kpi digest add [name]` — a new digest, in a form\n"
    "`/kpi digest edit NAME` · `/kpi digest preview NAME` · `/kpi digest remove NAME`"
)

# Where each field's problems are shown in the modal.
FIELD_BLOCKS = {
    "name": ids.DIGEST_FIELD_NAME, "digest": ids.DIGEST_FIELD_NAME,
    "channel": ids.DIGEST_FIELD_CHANNEL, "at": ids.DIGEST_FIELD_AT, "tz": ids.DIGEST_FIELD_TZ,
    "days": ids.DIGEST_FIELD_DAYS, "period": ids.DIGEST_FIELD_PERIOD,
    "where": ids.DIGEST_FIELD_WHERE, "kpis": ids.DIGEST_FIELD_KPIS,
    "targets": ids.DIGEST_FIELD_TARGETS, "thresholds": ids.DIGEST_FIELD_THRESHOLDS,
    "change_alerts": ids.DIGEST_FIELD_CHANGE_ALERTS,
    "business_hours": DIGEST_FIELD_BUSINESS_HOURS,
}


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain_text(clip(text, 75)), "value": value}


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False,
           hint: str | None = None) -> dict[str, Any]:
    block = {"type": "input", "block_id": block_id, "label": plain_text(label),
             "element": {"action_id": VALUE, **element}, "optional": optional}
    if hint:
        block["hint"] = plain_text(hint)
    return block


def _text_input(initial: str | None, *, multiline: bool = False, placeholder: str | None = None,
                max_length: int | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = plain_text(placeholder)
    if max_length:
        element["max_length"] = max_length
    return element


def _rules(definition: DigestDefinition | None, rule: str) -> str:
    if definition is None:
        return ""
    lines = []
    for kpi in definition.kpis:
        value = getattr(kpi, rule)
        if value is None:
            continue
        metric = kpi.metric_entry
        if rule == "change_alert":
            lines.append(f"{kpi.metric}: {value.to_text(metric)}")
        else:
            lines.append(f"{kpi.metric} {value.to_text(metric)}")
    return "\n".join(lines)


def digest_modal(definition: DigestDefinition | None, *, channel_id: str | None,
                 default_tz: str, name: str | None = None) -> dict[str, Any]:
    """The form that adds a digest (`definition` None) or edits one."""
    metric_options = [_option(f"{metric.label} ({metric.id})", metric.id) for metric in METRICS]
    by_id = {option["value"]: option for option in metric_options}
    channel: dict[str, Any] = {"type": "conversations_select",
                               "filter": {"include": ["public", "private"],
                                          "exclude_bot_users": True}}
    chosen = definition.channel_id if definition else channel_id
    if chosen:
        channel["initial_conversation"] = chosen
    periods = {period: _option(period.capitalize(), period) for period in DIGEST_PERIODS}
    kpis: dict[str, Any] = {"type": "multi_static_select", "options": metric_options,
                            "max_selected_items": MAX_KPIS,
                            "placeholder": plain_text("Choose the KPIs")}
    if definition is not None:
        kpis["initial_options"] = [by_id[kpi.metric] for kpi in definition.kpis]
    blocks = [
        _input(ids.DIGEST_FIELD_NAME, "Name",
               _text_input(definition.name if definition else name, max_length=MAX_NAME)),
        _input(ids.DIGEST_FIELD_CHANNEL, "Post in", channel),
        _input(ids.DIGEST_FIELD_AT, "At", {"type": "timepicker", "initial_time":
                                           definition.at.strftime("%H:%M") if definition
                                           else "09:00"}),
        _input(ids.DIGEST_FIELD_TZ, "Time zone", _text_input(
            definition.tz if definition else default_tz), hint="An IANA name, e.g. Europe/Berlin"),
        _input(ids.DIGEST_FIELD_DAYS, "Days", _text_input(
            (definition.days if definition else Days.DAILY).value, max_length=80,
            placeholder="daily · weekdays · mon,thu · monthly:1"),
            hint="daily, weekdays, days of the week (mon or mon,thu) or monthly:N (day N of "
                 "each month; monthly:31 is each month's last day)"),
        _input(ids.DIGEST_FIELD_PERIOD, "Covers", {
            "type": "static_select", "options": list(periods.values()),
            "initial_option": periods[definition.period if definition else "yesterday"]}),
        _input(ids.DIGEST_FIELD_KPIS, "KPIs", kpis),
        _input(ids.DIGEST_FIELD_WHERE, "Filters", _text_input(
            _where_text(definition), placeholder="tier=1 team=billing"), optional=True,
            hint="DIM=VALUE, separated by spaces; a comma means any of"),
        _input(ids.DIGEST_FIELD_TARGETS, "Targets", _text_input(
            _rules(definition, "target"), multiline=True, placeholder="fcr >= 75%\nfrt <= 1h"),
            optional=True, hint="One a line; each KPI is judged met or missed against it"),
        _input(ids.DIGEST_FIELD_THRESHOLDS, "Alert thresholds", _text_input(
            _rules(definition, "threshold"), multiline=True, placeholder="fcr >= 65%"),
            optional=True, hint="One a line; an alert in the channel when one no longer holds"),
        _input(ids.DIGEST_FIELD_CHANGE_ALERTS, "Change alerts", _text_input(
            _rules(definition, "change_alert"), multiline=True, placeholder="csat: 10pts"),
            optional=True, hint="One a line; an alert when a KPI worsens this much against "
                                "the previous 7 days, beyond noise"),
        _input(DIGEST_FIELD_BUSINESS_HOURS, "In business hours", _business_hours(definition),
               optional=True, hint="Count these times in business hours only (the "
                                   "workspace's or the team's calendar)"),
    ]
    return {
        "type": "modal", "callback_id": ids.DIGEST_MODAL,
        "title": plain_text("Edit digest" if definition else "New digest"),
        "submit": plain_text("Save"), "close": plain_text("Cancel"),
        "private_metadata": json.dumps({"digest_id": definition.id if definition else None,
                                        "channel": channel_id}),
        "blocks": blocks,
    }


def _business_hours(definition: DigestDefinition | None) -> dict[str, Any]:
    """The KPIs that can be counted in business hours, those of the digest that are chosen."""
    options = {metric.id: _option(f"{metric.label} ({metric.id})", metric.id)
               for metric in METRICS if metric.business_hours is not None}
    element: dict[str, Any] = {"type": "multi_static_select", "options": list(options.values()),
                               "placeholder": plain_text("Times in business hours")}
    chosen = [options[kpi.metric] for kpi in (definition.kpis if definition else ())
              if kpi.business_hours and kpi.metric in options]
    if chosen:
        element["initial_options"] = chosen
    return element


def _where_text(definition: DigestDefinition | None) -> str:
    if definition is None:
        return ""
    return " ".join(f"{f.dimension.value}={','.join(f.values)}" for f in definition.filters)


def submitted_digest(
        view: dict[str, Any]) -> tuple[dict[str, Any], list[str], dict[str, list[str]]]:
    """What the modal's state holds: the definition's fields, the KPIs, and the rule lines by
    kind (targets, thresholds, change_alerts) with the KPIs in business hours — for
    `definition_from_parts`."""
    values = view.get("state", {}).get("values", {})

    def element(block_id: str) -> dict[str, Any]:
        return values.get(block_id, {}).get(VALUE, {}) or {}

    def text(block_id: str) -> str:
        return element(block_id).get("value") or ""

    def selected(block_id: str) -> str | None:
        option = element(block_id).get("selected_option") or {}
        return option.get("value")

    fields = {
        "name": text(ids.DIGEST_FIELD_NAME),
        "channel": element(ids.DIGEST_FIELD_CHANNEL).get("selected_conversation"),
        "at": element(ids.DIGEST_FIELD_AT).get("selected_time"),
        "tz": text(ids.DIGEST_FIELD_TZ) or None,
        "days": text(ids.DIGEST_FIELD_DAYS) or selected(ids.DIGEST_FIELD_DAYS),
        "period": selected(ids.DIGEST_FIELD_PERIOD),
        "where": text(ids.DIGEST_FIELD_WHERE) or None,
    }
    kpis = [option.get("value", "") for option in
            element(ids.DIGEST_FIELD_KPIS).get("selected_options") or []]
    rules = {name: text(block_id).splitlines() for name, block_id in (
        ("targets", ids.DIGEST_FIELD_TARGETS), ("thresholds", ids.DIGEST_FIELD_THRESHOLDS),
        ("change_alerts", ids.DIGEST_FIELD_CHANGE_ALERTS))}
    rules["business_hours"] = [option.get("value", "") for option in
                               element(DIGEST_FIELD_BUSINESS_HOURS).get("selected_options") or []]
    return fields, kpis, rules


def modal_errors(invalid: DigestInvalid) -> dict[str, str]:
    """Each problem under the input it concerns, as `response_action: errors` wants them."""
    errors: dict[str, str] = {}
    for field, problem in invalid.errors.items():
        block = FIELD_BLOCKS.get(field, ids.DIGEST_FIELD_NAME)
        errors[block] = clip(f"{errors[block]}; {problem}" if block in errors else problem,
                             MAX_ERROR)
    return errors


def modal_metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def digest_list_message(digests: Sequence[DigestSummary], ids_of: Sequence[str]) -> SlackMessage:
    """The digests, each with Preview, Edit and Remove (asked to confirm)."""
    if not digests:
        text = "No digests yet. `/kpi digest add` makes one."
        return SlackMessage(text=text, blocks=(section(text, ids.DIGEST_LIST),))
    blocks: list[dict[str, Any]] = []
    for summary, digest_id in list(zip(digests, ids_of))[:MAX_LISTED]:
        blocks.append(section(digest_text(summary)))
        remove = {"type": "button", "action_id": ids.DIGEST_REMOVE, "value": digest_id,
                  "text": plain_text("Remove"), "style": "danger",
                  "confirm": {"title": plain_text("Remove this digest?"),
                              "text": plain_text(clip(f"“{summary.name}” stops posting, and "
                                                      "its alerts stop too.", 300)),
                              "confirm": plain_text("Remove"), "deny": plain_text("Keep")}}
        blocks.append({"type": "actions", "block_id": f"{ids.DIGEST_LIST}_{digest_id}",
                       "elements": [
                           {"type": "button", "action_id": ids.DIGEST_PREVIEW,
                            "value": digest_id, "text": plain_text("Preview")},
                           {"type": "button", "action_id": ids.DIGEST_EDIT, "value": digest_id,
                            "text": plain_text("Edit")},
                           remove]})
    if len(digests) > MAX_LISTED:
        blocks.append(context(f"… and {len(digests) - MAX_LISTED} more: `kpibot digest list`"))
    return SlackMessage(text=f"{len(digests)} digest(s)", blocks=tuple(blocks))


def note(text: str, *lines: str) -> SlackMessage:
    """A short answer to a digest subcommand (saved, removed, unknown …)."""
    body = escape(text) + ("\n" + bullets([escape(line) for line in lines]) if lines else "")
    return SlackMessage(text=escape(text), blocks=(section(body, ids.DIGEST_NOTE),))


def digest_help() -> SlackMessage:
    return SlackMessage(text="Digests: what /kpi digest does",
                        blocks=(section("*Digests*\n" + DIGEST_HELP, ids.DIGEST_NOTE),))


def preview_message(message: SlackMessage, channel_id: str) -> SlackMessage:
    """A digest shown to one person: the digest, and a line saying nothing was posted."""
    return SlackMessage(text=f"Preview: {message.text}", blocks=(
        *message.blocks,
        context(f"Preview only — nothing was posted in <#{escape(channel_id)}>.")))
