"""Log lines of the gateway: JSON (one object per line) or text, always redacted.

``configure_logging(level, fmt, redactor)`` installs one handler on the root logger; uvicorn,
httpx and the emulator log through it too (uvicorn is started with ``log_config=None``).
Every record passes :class:`RedactionFilter` (message, arguments, exception text) and the
formatted line is redacted once more, so a secret cannot reach the stream by any path.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any, TextIO

import orjson

from syncgql.observability.redact import Redactor
from syncgql.upstream.http import REQUEST_ID

__all__ = [
    "JsonFormatter",
    "RedactionFilter",
    "TextFormatter",
    "configure_logging",
]

# Attributes every LogRecord has; anything else was passed in ``extra=`` and is logged too
# (except uvicorn's ``color_message``, the same text with terminal colour codes).
_STANDARD = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
) | {"message", "asctime", "request_id", "taskName", "color_message"}


class RedactionFilter(logging.Filter):
    """Rewrite a record so that its message, arguments and traceback hold no secrets.

    Attach it to *handlers* (filters on loggers do not see records propagated from children).
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, redacted; never drops a record."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string: keep what we can, redacted
            message = f"{record.msg!r} {record.args!r}"
        record.msg = self.redactor(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
            # The traceback is now text; keep the formatter from rendering it raw again.
            record.exc_info = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.redactor(value))
        return True


def _request_id(record: logging.LogRecord) -> str | None:
    explicit = getattr(record, "request_id", None)
    return explicit if isinstance(explicit, str) else REQUEST_ID.get()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and extras."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        """Serialise the record (extras included, non-JSON values as their ``str``)."""
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id(record),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        line = orjson.dumps(entry, default=str).decode()
        return self.redactor(line) if self.redactor is not None else line


class TextFormatter(logging.Formatter):
    """``time level logger [request id] message`` for people reading a terminal."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        """The classic line, with ``-`` when no request is in progress."""
        record.request_id = _request_id(record) or "-"
        line = super().format(record)
        return self.redactor(line) if self.redactor is not None else line


class _RootHandler(logging.StreamHandler[TextIO]):
    """The handler :func:`configure_logging` installs (so a second call replaces it)."""


def configure_logging(
    level: str, fmt: str, redactor: Redactor, *, stream: TextIO | None = None
) -> logging.Handler:
    """Send every log record through one redacted handler on the root logger.

    Args:
        level: ``debug``, ``info``, ``warning`` or ``error``.
        fmt: ``json`` or ``text``.
        redactor: the process's redactor (known secrets registered).
        stream: where lines go (default ``stderr``).

    Returns:
        The installed handler (tests remove it again).
    """
    handler = _RootHandler(stream or sys.stderr)
    handler.addFilter(RedactionFilter(redactor))
    formatter: logging.Formatter = (
        TextFormatter(redactor) if fmt == "text" else JsonFormatter(redactor)
    )
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, _RootHandler):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's loggers keep their own handlers when it configured them; ours are the ones.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        named = logging.getLogger(name)
        named.handlers.clear()
        named.propagate = True
    # httpx logs full URLs at INFO; its request lines add nothing to our upstream logs.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    return handler
