"""Scrub credentials out of text before it reaches a log line.

What is removed (replaced by ``***``):

- values of credential headers (``x-cdata-authtoken``, ``Authorization``, ``Cookie`` …) written
  as ``name: value``, ``name=value`` or JSON ``"name": "value"``;
- ``Basic``/``Bearer``/``Token`` credentials wherever they appear;
- values of secret-looking keys in connection strings, query strings and JSON
  (``Password=…;``, ``@authtoken=…``, ``"client_secret": "…"``), quoted values included;
- the password part of URLs (``https://user:secret@host``);
- every *known* secret value registered with :class:`Redactor` (the configured service token
  and password, the embedded emulator's admin token, recent callers' tokens), wherever it is.

Patterns catch secrets we never saw; known values catch secrets in any shape (an exception
message that echoes a token, a token inside a URL path). Both run on every line.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable

__all__ = ["MASK", "Redactor", "redact_text"]

MASK = "***"

# Keys whose value is a secret, as a fragment of the key's name (case-insensitive). "token"
# also matches "authtoken", "access_token", "OAuthRefreshToken"; "pass" matches "passwd".
# (A pattern of key names, not a password.)
_HIDDEN_KEY_NAME = (
    r"[\w.@-]*?(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|"
    r"private[_-]?key|signature|sas|authorization|cookie|session[_-]?id)[\w.-]*"
)
# ``"key": "value"`` (JSON, Python reprs): the value runs to the closing quote.
_JSON_PAIR = re.compile(
    r"""(?P<head>(?P<q>["'])(?P<key>""" + _HIDDEN_KEY_NAME + r""")(?P=q)\s*:\s*)"""
    r"""(?P<vq>["'])(?P<value>(?:\\.|(?!(?P=vq)).)*)(?P=vq)""",
    re.IGNORECASE,
)
# ``key=value`` / ``key: value`` (connection strings, query strings, headers). A quoted value
# may hold ``;``: it runs to its closing quote; a bare value runs to a separator.
_KV_PAIR = re.compile(
    r"""(?P<head>(?<![\w-])(?P<key>""" + _HIDDEN_KEY_NAME + r""")\s*(?:=|:(?!//))\s*)"""
    r"""(?P<value>"[^"]*"|'[^']*'|(?:Basic|Bearer|Token|Digest)\s+[^\s;&,'"]+|[^\s;&,'"}\]]+)""",
    re.IGNORECASE,
)
_SCHEME_CREDENTIAL = re.compile(
    r"\b(?P<scheme>Basic|Bearer|Digest)\s+(?P<value>[A-Za-z0-9+/=._~-]{6,})", re.IGNORECASE
)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^\s:/@]+:)(?P<value>[^\s@/]+)(?=@)")

# Known values shorter than this are not scrubbed: they would mangle ordinary words.
MIN_KNOWN_LENGTH = 6


def _mask_json(match: re.Match[str]) -> str:
    quote = match.group("vq")
    return f"{match.group('head')}{quote}{MASK}{quote}"


def _mask_kv(match: re.Match[str]) -> str:
    return f"{match.group('head')}{MASK}"


def redact_text(text: str, known: Iterable[str] = ()) -> str:
    """Return ``text`` with every secret it holds replaced by ``***``.

    Args:
        text: a log message, an exception text, an access-log line.
        known: secret values to remove wherever they occur (longest first is not needed:
            each is replaced independently).
    """
    for secret in known:
        if secret and secret in text:
            text = text.replace(secret, MASK)
    text = _JSON_PAIR.sub(_mask_json, text)
    text = _KV_PAIR.sub(_mask_kv, text)
    text = _SCHEME_CREDENTIAL.sub(lambda m: f"{m.group('scheme')} {MASK}", text)
    return _URL_PASSWORD.sub(lambda m: f"{m.group('head')}{MASK}", text)


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
