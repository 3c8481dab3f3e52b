"""Scrub credentials out of text before it reaches a log line.

The rules (what a secret looks like) are :mod:`syncgql.redaction`'s, the same ones that mask
connection strings in responses and secrets in error messages. This module adds what only logs
need: every *known* secret value registered with :class:`Redactor` (the configured service
token and password, the embedded emulator's admin token, recent callers' tokens) is removed
wherever it is. Patterns catch secrets we never saw; known values catch secrets in any shape
(an exception message that echoes a token, a token inside a URL path). Both run on every line.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from syncgql.redaction import LOG_MASK as MASK
from syncgql.redaction import redact_text

__all__ = ["MASK", "Redactor", "redact_text"]

# Known values shorter than this are not scrubbed: they would mangle ordinary words.
MIN_KNOWN_LENGTH = 6


class Redactor:
    """Redaction with a set of known secret values, shared by every log handler of a process.

    Configured secrets stay for the life of the process; callers' credentials seen at run time
    are kept in a bounded most-recent set (``max_recent``) so memory stays flat.
    """

    def __init__(self, secrets: Iterable[str] = (), *, max_recent: int = 256) -> None:
        self._lock = threading.Lock()
        self._fixed: set[str] = set()
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._max_recent = max_recent
        self._snapshot: tuple[str, ...] = ()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None, *, recent: bool = False) -> None:
        """Remember a secret value so that it is scrubbed wherever it appears.

        Args:
            secret: the value; ``None``, empty and very short values are ignored.
            recent: a caller's credential (kept among the most recent only), not configuration.
        """
        if secret is None or len(secret) < MIN_KNOWN_LENGTH:
            return
        with self._lock:
            if secret in self._fixed:
                return
            if recent:
                if secret in self._recent:
                    self._recent.move_to_end(secret)
                    return
                self._recent[secret] = None
                while len(self._recent) > self._max_recent:
                    self._recent.popitem(last=False)
            else:
                self._fixed.add(secret)
            # Longest first, so a secret containing another is removed whole.
            self._snapshot = tuple(sorted({*self._fixed, *self._recent}, key=len, reverse=True))

    @property
    def known(self) -> tuple[str, ...]:
        """The secret values scrubbed now (never log this)."""
        return self._snapshot

    def __call__(self, text: str) -> str:
        """Redact ``text`` with the patterns and every known value."""
        return redact_text(text, self._snapshot)

    def __repr__(self) -> str:
        return f"Redactor({len(self._snapshot)} known secrets)"
