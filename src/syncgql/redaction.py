"""The one rule set that says what a secret looks like; responses, errors and logs all use it.

Two entry points share every rule:

- :func:`redact_text` scrubs free text (a log line, an error message, an exception): the value
  of every secret-named key (``Password=…``, ``"client_secret": "…"``, ``Cookie: …``), quoted,
  braced and nested values included; URL passwords (``scheme://user:pa/ss@w@host``, Oracle
  ``thin:user/password@``); ``Basic``/``Bearer`` credentials; JWTs; SAS ``sig=``; PEM private
  key blocks; and every *known* secret value it is given.
- :func:`mask_connection_string` / :func:`mask_property` mask a connection string read through
  the API: it is parsed (ADO.NET/ODBC quoting), secret-named properties are masked whole and
  every other value still goes through :func:`redact_text`, so a nested
  ``Other="ProxyPassword=…"`` or a URL with a password is masked there too.

Whether a *name* is secret is decided once, by :func:`is_secret_name`. Masking a harmless
property by mistake costs little; showing a credential costs a lot, so the words are broad and
only a few clearly harmless suffixes (``AuthScheme``, ``…Url``, ``…File``) and compounds that
name an identifier (``idempotencyKey``, ``partitionKey``) are exempt.

This module sits below every layer (it imports nothing of syncgql): upstream, observability and
the GraphQL layer may all call it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

__all__ = [
    "LOG_MASK",
    "RESPONSE_MASK",
    "is_secret_name",
    "mask_connection_string",
    "mask_property",
    "redact_text",
    "split_connection_string",
]

LOG_MASK = "***"
# Responses keep the mask the API always documented (``Value, or `********` when secret``).
RESPONSE_MASK = "********"

# Words that make a key secret, matched in its name with ``_ - . space`` removed (case-
# insensitive). "token" covers authtoken/access_token/OAuthRefreshToken; "key" covers
# AccountKey/ClientKey/ApiKey; "pass" covers passwd/passphrase but not "bypass"/"passive".
_SECRET_NAME = re.compile(
    r"pwd|(?<!by)pass(?!ive|age|ing|thr)|secret|token|key(?!space)|credential|auth(?!or)"
    r"|private|cert|signature|cookie|sessid|sessionid|^session$|^sas|sas$|^sig$|jwt",
    re.IGNORECASE,
)
# Names that carry a secret word but name a setting, a place or a file, not a credential.
# (Whole suffixes only: a pattern like ``expir\w*`` would also exempt ``ExpiredPassword``.)
_HARMLESS_SUFFIX = re.compile(
    r"(?:scheme|type|mode|method|url|uri|endpoint|location|path|file|flow|timeout|expiry"
    r"|expires|expiresin|expiration|lifetime|provider|store|storetype|name|user|length"
    r"|version|column|field|initiateoauth)$",
    re.IGNORECASE,
)
_NAME_NOISE = re.compile(r"[\s_.-]+|^(?:%40|@)+")
# Compounds of "key" that name an identifier chosen in the open, never a credential: a retry's
# ``idempotencyKey`` (and the ``Idempotency-Key`` header), a deduplication key, a sort or
# partition key. They are cut out of the name *before* the secret words are looked for, so a
# name that also holds a secret word (``secretIdempotencyKey``, ``apiKeyPartitionKey``) stays
# secret; only whole compounds go (``idempotencyKey`` yes, ``idempotencyApiKey`` no).
_HARMLESS_KEY = re.compile(r"(?:idempotency|dedup|deduplication|sort|partition)key", re.I)
# A key as written before ``=``/``:`` in free text: any word with a secret-ish part; whether it
# is secret is then decided by :func:`is_secret_name` (one predicate for every caller).
_KEY = (
    r"[\w.@%-]*?(?:pwd|pass|secret|token|key|credential|auth|private|cert|signature|cookie"
    r"|sess|sas|sig|jwt)[\w.@%-]*"
)

# A value, as it may follow ``key=``: braced ODBC ``{a;b}}c}``, quoted with doubled or
# backslash-escaped quotes, a scheme credential (``Bearer x``), or bare. A bare value runs to a
# separator of pairs (``;``, ``&``, end of line) or to the quote that closes the text around it
# (a quote followed by a delimiter), so ``Password=my secret pass`` is masked whole.
_VALUE = (
    r"""\{(?:[^}]|\}\})*\}"""
    r"""|"(?:[^"\\]|""|\\.)*"|'(?:[^'\\]|''|\\.)*'"""
    # the same quoted value inside a JSON string, its quotes escaped: ``\"a\"\";b\"``
    r'|\\"(?:\\"\\"|\\[^"]|[^\\"])*\\"'
    r"""|(?:Basic|Bearer|Token|Digest|Negotiate)\s+[^\s;&,'"]+"""
    # bare after ``key:`` (a header, a GraphQL literal ``{token: x, n: 1}``): one word;
    # bare after ``key=`` (a connection or query string): to the next pair
    r"""|(?(colon)[^\s,;&'"}\])]+|(?:(?!\\?["'](?:[\s;,)}\]:]|$))[^;&\r\n])+)"""
)
_JSON_PAIR = re.compile(
    r"""(?P<head>(?P<q>["'])(?P<key>""" + _KEY + r""")(?P=q)\s*:\s*)"""
    r"""(?P<vq>["'])(?P<value>(?:\\.|(?!(?P=vq)).)*)(?P=vq)""",
    re.IGNORECASE,
)
# The same inside a JSON string, at any depth of escaping: ``\"password\": \"x\"``.
_ESCAPED_JSON_PAIR = re.compile(
    r"""(?P<head>(?P<q>\\+")(?P<key>""" + _KEY + r""")(?P=q)\s*:\s*)"""
    r"""(?P<vq>\\+")(?P<value>.*?)(?P=vq)""",
    re.IGNORECASE,
)
_KV_PAIR = re.compile(
    r"""(?P<head>(?<![\w.@%-])(?P<key>""" + _KEY + r""")\s*(?:=|(?P<colon>:)(?!//))\s*)"""
    r"""(?P<value>""" + _VALUE + r""")""",
    re.IGNORECASE,
)
# A cookie header holds many pairs: its value runs to the end of the line (or closing quote).
_COOKIE = re.compile(
    r"""(?P<head>(?<![\w-])(?:set-)?cookie2?\s*(?:=|:)\s*)(?P<value>(?:(?!\\?["'](?:[\s;,)}\]]|$))[^\r\n])+)""",
    re.IGNORECASE,
)
_SCHEME_CREDENTIAL = re.compile(
    r"\b(?P<scheme>Basic|Bearer|Digest|Negotiate)\s+(?P<value>[A-Za-z0-9+/=._~-]{6,})",
    re.IGNORECASE,
)
# ``scheme://user:password@host``: the password may hold ``/``, ``@`` and ``:``, so userinfo
# ends at the *last* ``@`` of the URL-ish token. (An ``@`` in a query may over-mask: safe side.)
_URL = re.compile(
    r"""(?P<head>\b[a-z][a-z0-9+.-]*://[^\s:/@;'"]*:)(?P<value>[^\s;'"]*)@""", re.IGNORECASE
)
# Oracle thin: ``jdbc:oracle:thin:scott/tiger@//host:1521/svc``.
_ORACLE_THIN = re.compile(r"(?P<head>:thin:[^/\s@:;]+/)(?P<value>[^\s;'\"]+)(?=@)", re.IGNORECASE)
_PEM = re.compile(
    r"-----BEGIN (?P<kind>[A-Z0-9 ]*PRIVATE KEY)-----.*?"
    r"(?P<end>-----END [A-Z0-9 ]*PRIVATE KEY-----|$)",
    re.DOTALL,
)
_JWT = re.compile(r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")
# Cheap guards, on the lower-cased text (Python's case-insensitive alternations are slow):
# a rule runs only when its needle occurs; the key rules only when a secret-ish word does.
# Most log lines skip every rule.
_KEY_WORD = re.compile(
    r"pwd|pass|secret|token|key|credential|auth|private|cert|signature|cookie|sess|sas|sig|jwt"
)
_SCHEMES = ("basic", "bearer", "digest", "negotiate")


def is_secret_name(name: str) -> bool:
    """True for a key (connection-string property, header, JSON field) that holds a secret."""
    normal = _HARMLESS_KEY.sub(" ", _NAME_NOISE.sub("", name))
    if not normal.strip():
        return False
    return bool(_SECRET_NAME.search(normal)) and not _HARMLESS_SUFFIX.search(normal)


def _unquote(value: str) -> tuple[str, str, str]:
    """``'a''b'`` → ``("'", "a'b", "'")``; a bare value comes back with empty quotes."""
    if len(value) >= 2 and value[0] in "\"'{":
        close = "}" if value[0] == "{" else value[0]
        if value[-1] == close:
            return value[0], value[1:-1], close
    return "", value, ""


_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str], tuple[str, ...] | None]


def _rules(mask: str) -> tuple[_Rule, ...]:
    """The rules in order, each with its needles (``None``: needs a secret-ish key word)."""

    def kv(match: re.Match[str]) -> str:
        head, value = match.group("head"), match.group("value")
        if value == mask:
            return match.group(0)
        if is_secret_name(match.group("key")):
            return head + mask
        # Not a secret itself (``AuthScheme``): its value may still nest one.
        opening, inner, closing = _unquote(value)
        return head + opening + _redact(inner, (), mask) + closing

    def json_pair(match: re.Match[str]) -> str:
        if not is_secret_name(match.group("key")):
            return match.group(0)
        quote = match.group("vq")
        return f"{match.group('head')}{quote}{mask}{quote}"

    def pem(match: re.Match[str]) -> str:
        return f"-----BEGIN {match.group('kind')}-----{mask}{match.group('end')}"

    return (
        (_PEM, pem, ("-----begin",)),
        (_JSON_PAIR, json_pair, None),
        (_ESCAPED_JSON_PAIR, json_pair, None),
        (_COOKIE, lambda m: m.group("head") + mask, None),
        (_KV_PAIR, kv, None),
        (_SCHEME_CREDENTIAL, lambda m: f"{m.group('scheme')} {mask}", _SCHEMES),
        (_URL, lambda m: f"{m.group('head')}{mask}@", ("://",)),
        (_ORACLE_THIN, lambda m: m.group("head") + mask, (":thin:",)),
        (_JWT, lambda _m: mask, ("eyj",)),
    )


_RULES = {LOG_MASK: _rules(LOG_MASK), RESPONSE_MASK: _rules(RESPONSE_MASK)}


def _redact(text: str, known: Iterable[str], mask: str) -> str:
    for secret in known:
        if secret and secret in text:
            text = text.replace(secret, mask)
    low = text.lower()
    keyed = _KEY_WORD.search(low) is not None
    for pattern, replace, needle in _RULES[mask]:
        if keyed if needle is None else any(n in low for n in needle):
            text = pattern.sub(replace, text)
    return text


def redact_text(text: str, known: Iterable[str] = (), *, mask: str = LOG_MASK) -> str:
    """Return ``text`` with every secret it holds replaced by ``mask``.

    Args:
        text: a log message, an exception text, an error message, an access-log line.
        known: secret values to remove wherever they occur (pass the longest first, so a
            secret containing another is removed whole).
        mask: :data:`LOG_MASK` or :data:`RESPONSE_MASK`.
    """
    return _redact(text, known, mask)


_CLOSING = {"'": "'", '"': '"', "{": "}"}


def _read_value(text: str, i: int) -> tuple[str, int]:
    """Read the value starting at ``text[i]``; returns it and the index of its end.

    Quoted (``'…'``, ``"…"``) and braced (``{…}``) values may hold ``;`` and escape their
    closing character by doubling it (``'it''s'``, ``{a}}b}``), as ADO.NET and ODBC strings do.
    Reading a doubled quote as the end would split a secret and leak its tail as a property.
    """
    n = len(text)
    if i < n and text[i] in _CLOSING:
        close = _CLOSING[text[i]]
        chars: list[str] = []
        j = i + 1
        while j < n:
            if text[j] == close:
                if j + 1 < n and text[j + 1] == close:
                    chars.append(close)
                    j += 2
                    continue
                j += 1
                break
            chars.append(text[j])
            j += 1
        while j < n and text[j] != ";":
            j += 1
        return "".join(chars), j
    end = text.find(";", i)
    end = n if end < 0 else end
    return text[i:end].strip(), end


def split_connection_string(text: str) -> list[tuple[str, str]]:
    """``k=v;k2='v;2'`` → ``[(k, v), (k2, v;2)]``; quoted values may hold ``;``."""
    pairs: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in "; ":
            i += 1
        if i >= n:
            break
        eq = text.find("=", i)
        if eq < 0:
            pairs.append((text[i:].strip(), ""))
            break
        name = text[i:eq].strip()
        i = eq + 1
        while i < n and text[i] == " ":
            i += 1
        value, i = _read_value(text, i)
        pairs.append((name, value))
    return pairs


def mask_property(name: str, value: str) -> str:
    """A property's value as a caller may see it.

    Masked whole when the name is secret; otherwise any secret it nests (a property string, a
    URL password, a key block) is masked.
    """
    if is_secret_name(name) and value:
        return RESPONSE_MASK
    return _redact(value, (), RESPONSE_MASK)


def _quoted(value: str) -> str:
    # Values that would not read back the same are quoted, so the rebuilt string keeps its pairs.
    if value != value.strip() or any(c in value for c in ";'\"{"):
        return "'" + value.replace("'", "''") + "'"
    return value


def mask_connection_string(text: str | None) -> str | None:
    """The connection string with every secret value replaced by ``********``."""
    if text is None:
        return None
    return ";".join(
        f"{name}={_quoted(mask_property(name, value))}"
        for name, value in split_connection_string(text)
    )
