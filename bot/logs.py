"""Log lines that a client cannot forge or flood: every record is one line.

Text in a log record can come from outside (a question, a channel name, an exception's
message quoting either). `OneLineFormatter` writes the message with line breaks and other
control characters escaped (`\\n`, `\\x1b`), and indents every line of a traceback under its
record, so a line that starts like a record always is one. Request bodies are never logged:
kpibot's own code does not, and `WithoutRequestBodies` rewrites Bolt's "unhandled request"
warning, which quotes a part of the body, to its first words.
"""

from __future__ import annotations

import logging
import re

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONTINUATION = "    | "
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def one_line(text: str) -> str:
    """`text` with every control character escaped: "\\n", "\\t", "\\x1b"."""
    return _CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"),
                        text)


class OneLineFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        record.message = one_line(record.message)
        return super().formatMessage(record)

    def formatException(self, exc_info) -> str:  # noqa: N802
        return _indented(super().formatException(exc_info))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802
        return _indented(super().formatStack(stack_info))


def _indented(text: str) -> str:
    return "\n".join(CONTINUATION + one_line(line) for line in text.splitlines())


class WithoutRequestBodies(logging.Filter):
    """Bolt's warning for a request no listener takes quotes the body: keep its first words."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(("slack_bolt", "kpibot")) and isinstance(record.msg, str) \
                and record.msg.startswith("Unhandled request"):
            record.msg, record.args = "Unhandled request (no listener takes it)", ()
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """One stream handler on the root logger with the one-line format and the body filter."""
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter(LOG_FORMAT))
    handler.addFilter(WithoutRequestBodies())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
