"""What ``syncgql serve`` prints about its embedded emulator: where its REST API is, its token.

The embedded emulator's REST API (``/api.rsc/`` on the gateway's port) answers 401 without a
token, and nothing said which one. The admin token is generated on the first start and kept in
``credentials.json`` in the emulator's data dir (mode 0600); the operator's own terminal is the
one place it is shown, as ``syncgql emulator`` does. Call :func:`embedded_emulator_notice` once
the app has started (the file exists only then), and print its lines with the banner.
"""

from __future__ import annotations

from pathlib import Path

from syncgql.emulator.app import CREDENTIALS_FILE, load_credentials

__all__ = ["embedded_emulator_notice"]


def embedded_emulator_notice(emulator_data_dir: Path, api_url: str) -> list[str]:
    """Lines naming the embedded emulator's REST API, its admin token and where it is kept.

    Args:
        emulator_data_dir: the embedded emulator's data dir (``DATA_DIR/emulator``).
        api_url: the REST API's URL as the operator reaches it, e.g.
            ``http://127.0.0.1:8000/api.rsc/``.

    Returns:
        Lines without trailing newlines; when no admin token exists (yet), one line saying where
        it will be kept instead of a token.
    """
    where = emulator_data_dir / CREDENTIALS_FILE
    token = load_credentials(emulator_data_dir).get("admin")
    if token is None:
        return [f"emulator REST API at {api_url}; its admin token will be kept in {where}"]
    return [
        f"emulator REST API at {api_url} (x-cdata-authtoken: {token})",
        f"  the token is kept in {where}",
    ]
