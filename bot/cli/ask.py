"""`kpibot ask QUESTION`: a plain-language question answered as in Slack, or one question per
line of standard input (`-`), each line following up the last with --conversation. Exit codes
say whether every question was answered.
"""

from __future__ import annotations

import json
import sys

import click

from bot.cli.options import EXIT_INTERNAL, common_options
from kpi_engine.errors import UserError


@click.command("ask")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON answer (JSON lines for -).")
@click.option("--conversation", is_flag=True,
              help="With -: each line follows up the last answered one, as in a Slack thread.")
@common_options
def ask_command(question, as_json, conversation, settings):
    """Answer a plain-language question; QUESTION - reads one question per line from stdin."""
    from kpi_engine.question.answers import QuestionAnswerer

    if conversation and question != "-":
        raise UserError("--conversation reads its questions from standard input: use QUESTION -",
                        ["printf 'FCR last week\\nand tier 2?\\n' | kpibot ask - --conversation"])
    answerer = QuestionAnswerer.from_settings(settings)
    if question != "-":
        answer = answerer.ask(valid_text(question))
        if answer.refusal is not None:
            raise answer.refusal
        click.echo(json.dumps(answer.to_json()) if as_json else answer.text())
        return
    worst, previous = 0, None
    for line in sys.stdin:  # exactly one answer per line read, blank lines included
        text, code, answer = _answer_line(answerer, valid_text(line.rstrip("\r\n")), as_json,
                                          previous)
        click.echo(text)
        worst = max(worst, code)
        if conversation and answer is not None and answer.result is not None:
            previous = answer.result.query
    if worst:
        sys.exit(worst)


def valid_text(text: str) -> str:
    """`text` as valid Unicode: bytes that were not UTF-8 (which Python reads from a terminal or
    a pipe as lone surrogates) become U+FFFD, so no answer, JSON included, carries them."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return text.encode("utf-8", "replace").decode("utf-8")


def _answer_line(answerer, question: str, as_json: bool, previous=None):
    """One answer line, its exit code and the answer; an internal error is logged and answered
    with an id so the questions after it are still answered."""
    try:
        answer = answerer.ask(question, previous)
    except Exception:  # the edge of one question in a stream
        from bot.errors import log_internal_error

        incident = log_internal_error(f"ask {question[:200]!r}")
        message = f"sorry, kpibot hit an internal error (id {incident}); it is in the error log"
        if as_json:
            return (json.dumps({"question": question, "error": message, "suggestions": []}),
                    EXIT_INTERNAL, None)
        return f"can't answer: {message}", EXIT_INTERNAL, None
    return (json.dumps(answer.to_json()) if as_json else answer.line()), answer.exit_code, answer
