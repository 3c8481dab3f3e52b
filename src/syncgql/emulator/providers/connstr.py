"""Connection-string parsing and masking (``Key=Value;Key2="quoted; value"``).

Used by the providers to read their settings and by the store to hide credentials before a
connection string is logged or shown in an error.
"""

from __future__ import annotations

import re
from typing import Final

from syncgql.emulator.providers.base import ProviderError

#: Keys whose values are credentials (compared lower-case, spaces and underscores removed).
SECRET_KEYS: Final = frozenset(
    {
        "password",
        "pwd",
        "securitytoken",
        "token",
        "authtoken",
        "accesstoken",
        "refreshtoken",
        "oauthaccesstoken",
        "oauthrefreshtoken",
        "oauthclientsecret",
        "clientsecret",
        "secret",
        "secretkey",
        "apikey",
        "accesskey",
        "secretaccesskey",
        "privatekey",
        "passphrase",
        "sas",
        "sastoken",
    }
)
MASK: Final = "********"


class ConnectionStringError(ProviderError, ValueError):
    """The connection string is not a ``key=value;...`` list."""


def _split(text: str) -> list[tuple[str, str, str]]:
    """Split into ``(raw_key, value, raw_value)`` triples; lenient about stray separators."""
    items: list[tuple[str, str, str]] = []
    i, n = 0, len(text)
    while i < n:
        eq = text.find("=", i)
        semi = text.find(";", i)
        if eq == -1 or (semi != -1 and semi < eq):
            segment = text[i : semi if semi != -1 else n]
            if segment.strip():
                raise ConnectionStringError(
                    f"Connection string segment '{segment.strip()[:40]}' has no '=': "
                    "write Key=Value pairs separated by ';'."
                )
            i = n if semi == -1 else semi + 1
            continue
        key = text[i:eq]
        j = eq + 1
        while j < n and text[j] in " \t":
            j += 1
        if j < n and text[j] in "\"'":
            quote = text[j]
            out: list[str] = []
            k = j + 1
            while True:
                if k >= n:
                    raise ConnectionStringError(
                        f"Unclosed {quote} in the value of '{key.strip()}'."
                    )
                if text[k] == quote:
                    if text.startswith(quote * 2, k):
                        out.append(quote)
                        k += 2
                        continue
                    break
                out.append(text[k])
                k += 1
            end = text.find(";", k + 1)
            trailing = text[k + 1 : end if end != -1 else n]
            if trailing.strip():
                raise ConnectionStringError(
                    f"Unexpected text after the quoted value of '{key.strip()}'."
                )
            items.append((key, "".join(out), text[eq + 1 : k + 1]))
            i = n if end == -1 else end + 1
        else:
            end = semi if semi != -1 else n
            items.append((key, text[eq + 1 : end].strip(), text[eq + 1 : end]))
            i = end + 1
    return items


def parse_connection_string(text: str) -> dict[str, str]:
    """Parse ``k=v;k2="v;2"`` into a dict with lower-cased, stripped keys.

    Values may be quoted with ``"`` or ``'`` (a doubled quote inside stands for one), which lets
    them contain ``;``. Empty segments are ignored; a later duplicate key wins.

    Raises:
        ConnectionStringError: A segment without ``=``, an empty key or an unclosed quote.
    """
    result: dict[str, str] = {}
    for key, value, _raw in _split(text):
        name = key.strip().lower()
        if not name:
            raise ConnectionStringError("A connection string key is empty (segment '=...').")
        result[name] = value
    return result


def is_secret_key(key: str) -> bool:
    """Whether a connection-string key holds a credential."""
    return re.sub(r"[\s_-]", "", key).lower() in SECRET_KEYS


def mask_connection_string(text: str) -> str:
    """Return ``text`` with the values of credential keys replaced by ``********``.

    Never raises: a string that cannot be parsed is masked entirely, because it might hold a
    secret in a form we do not understand.
    """
    try:
        items = _split(text)
    except ConnectionStringError:
        return MASK
    parts: list[str] = []
    for key, _value, raw in items:
        parts.append(f"{key.strip()}={MASK if is_secret_key(key) else raw.strip()}")
    return ";".join(parts)
