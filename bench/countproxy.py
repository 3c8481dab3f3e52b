"""A counting HTTP proxy for ``bench/hostile.py``: forwards to the emulator, counts per caller.

Every request below ``/api.rsc/`` is forwarded unchanged (method, path, query, body and the
credential headers) to ``--target`` and counted under (caller tag, action), where the tag is the
first 12 hex digits of the SHA-256 of the request's ``x-cdata-authtoken`` (else its
``Authorization`` header, else ``anonymous``) and the action is the path's first segment without
its key (``jobs('X')`` counts as ``jobs``). ``GET /__counts`` answers the counters as JSON, so
the bench can tell the abuser's upstream calls from the prober's and the gateway's own; no token
is ever stored or printed, only its tag.

Run: ``python bench/countproxy.py --port P --target http://127.0.0.1:E``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from typing import Any

import httpx
import uvicorn

_FORWARDED = ("content-type", "accept", "authorization", "x-cdata-authtoken", "x-request-id")


def caller_tag(credential: str | None) -> str:
    """The tag a credential is counted under (the bench computes the same for its tokens)."""
    if not credential:
        return "anonymous"
    return hashlib.sha256(credential.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def action_of(path: str) -> str:
    """``/api.rsc/jobs('X')/tasks`` → ``jobs``; ``/api.rsc/getJobStatus`` → ``getJobStatus``."""
    tail = path.split("/api.rsc/", 1)[-1]
    return tail.split("/", 1)[0].split("(", 1)[0] or "(root)"


class CountingProxy:
    """The ASGI app: forward, count, and serve the counters."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.counts: Counter[tuple[str, str]] = Counter()
        self.client: httpx.AsyncClient | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        if path == "/__counts":
            rows = [{"tag": t, "action": a, "n": n} for (t, a), n in self.counts.items()]
            await _answer(send, 200, json.dumps(rows).encode(), b"application/json")
            return
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1")
            for k, v in scope["headers"]
            if k.decode("latin-1").lower() in _FORWARDED
        }
        credential = headers.get("x-cdata-authtoken") or headers.get("authorization")
        self.counts[(caller_tag(credential), action_of(path))] += 1
        body = await _read_body(receive)
        query = scope.get("query_string", b"").decode("latin-1")
        assert self.client is not None
        request = self.client.build_request(
            scope["method"], path + ("?" + query if query else ""), content=body, headers=headers
        )
        try:
            response = await self.client.send(request)
        except httpx.HTTPError as exc:
            # The gateway sees a 502 the way it would from a real reverse proxy.
            message = json.dumps({"error": {"code": "", "message": type(exc).__name__}})
            await _answer(send, 502, message.encode(), b"application/json")
            return
        ctype = response.headers.get("content-type", "application/json").encode("latin-1")
        await _answer(send, response.status_code, response.content, ctype)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # As many connections as the gateway may open: the proxy must not be the queue.
                self.client = httpx.AsyncClient(
                    base_url=self.target,
                    timeout=60,
                    trust_env=False,
                    limits=httpx.Limits(max_connections=500, max_keepalive_connections=100),
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.client is not None:
                    await self.client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _read_body(receive: Any) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _answer(send: Any, status: int, body: bytes, ctype: bytes) -> None:
    headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main(argv: list[str] | None = None) -> int:
    """Serve the proxy on 127.0.0.1 until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--target", required=True, help="the emulator, e.g. http://127.0.0.1:E")
    args = parser.parse_args(argv)
    uvicorn.run(
        CountingProxy(args.target),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
