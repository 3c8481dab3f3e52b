"""Whether CData Sync is there, at that base path, and accepts the service credentials (issue 15).

A new user's first run fails in one of a few ways: Sync is not up (yet), the URL's base path is
not Sync's API (``http://host:8181/`` instead of ``http://host:8181/api.rsc/``), or Sync refuses
the ``--token`` (or ``--user``/``--password``). One cheap read (``GET jobs?$top=1``) tells them
apart; :func:`check_upstream` turns its outcome into a :class:`Verdict` with a sentence that
says what is wrong and how to fix it.

Two users: the start-up check (:class:`StartupCheck`, run in the background by the app's
lifespan: it logs the verdict at start, never stops the process, since Sync may come up later,
and logs again each time the verdict changes until Sync accepts the credentials) and
``/readyz``, which is not ready while Sync refuses the service credentials or the base path is
wrong: a replica that cannot read Sync must not get traffic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from syncgql.errors import (
    SyncgqlError,
    UpstreamAuthError,
    UpstreamBadRequestError,
    UpstreamBadResponseError,
    UpstreamConnectionError,
    UpstreamForbiddenError,
    UpstreamNotFoundError,
    UpstreamStatusError,
    UpstreamTimeoutError,
)
from syncgql.upstream.client import SyncClient
from syncgql.upstream.odata import ODataQuery

__all__ = ["StartupCheck", "Verdict", "VerdictKind", "check_upstream", "shown_url"]

logger = logging.getLogger("syncgql.startup")


class VerdictKind(StrEnum):
    """What one check found."""

    OK = "ok"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    CREDENTIALS_REFUSED = "credentials refused"
    FORBIDDEN = "forbidden"
    WRONG_BASE_PATH = "wrong base path"
    NOT_SYNC = "not a Sync API"
    UPSTREAM_ERROR = "upstream error"
    NO_SERVICE_CREDENTIALS = "no service credentials"


# Kinds in which the gateway can serve: Sync answered, and with the service credentials when
# there are any (without them every caller brings their own, so a 401 is expected).
_SERVING = frozenset({VerdictKind.OK, VerdictKind.NO_SERVICE_CREDENTIALS})


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of one check.

    Attributes:
        kind: what was found.
        message: a sentence for the operator: what is wrong and what to do (no secrets).
        reachable: whether Sync answered at all.
        detail: a short label for ``/readyz`` (``answered``, ``answered 401``, an error class).
    """

    kind: VerdictKind
    message: str
    reachable: bool
    detail: str

    @property
    def ready(self) -> bool:
        """Whether a gateway with this verdict should get traffic."""
        return self.kind in _SERVING

    @property
    def credentials(self) -> str:
        """``accepted``, ``refused`` or ``unchecked`` (Sync did not get far enough to say)."""
        if self.kind is VerdictKind.OK:
            return "accepted"
        if self.kind in {VerdictKind.CREDENTIALS_REFUSED, VerdictKind.FORBIDDEN}:
            return "refused"
        return "unchecked"


def shown_url(url: str) -> str:
    """``url`` without user info, query or fragment: safe to print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


async def check_upstream(client: SyncClient, base_url: str) -> Verdict:
    """Ask Sync once (``GET jobs?$top=1`` with the client's credentials) and judge the answer."""
    url = shown_url(base_url)
    try:
        await client.jobs.list(ODataQuery(select=("JobName",), top=1))
    except UpstreamAuthError:
        if client.credentials is None:
            return Verdict(
                VerdictKind.NO_SERVICE_CREDENTIALS,
                f"CData Sync at {url} answers; no service credentials are configured, so every "
                "caller must send their own.",
                reachable=True,
                detail="answered 401",
            )
        return Verdict(
            VerdictKind.CREDENTIALS_REFUSED,
            f"CData Sync at {url} refuses the service credentials (401): check --token (or "
            "--user/--password) against an active Sync user; the gateway keeps running and "
            "is not ready until Sync accepts them.",
            reachable=True,
            detail="answered 401",
        )
    except UpstreamForbiddenError:
        return Verdict(
            VerdictKind.FORBIDDEN,
            f"CData Sync at {url} accepts the service credentials but their user may not read "
            "jobs (403): give that user a role that can read every job's status.",
            reachable=True,
            detail="answered 403",
        )
    except (UpstreamNotFoundError, UpstreamBadRequestError) as exc:
        # Sync's API serves this read as it is; a 404 (or a 400, as the emulator answers an
        # unknown path) means the URL points elsewhere.
        return Verdict(
            VerdictKind.WRONG_BASE_PATH,
            f"{url} answers {exc.status} to a plain read of CData Sync's `jobs` entity set: the "
            "base path is wrong; --upstream must name Sync's API root, e.g. "
            "http://host:8181/api.rsc/.",
            reachable=True,
            detail=f"answered {exc.status}",
        )
    except UpstreamBadResponseError:
        return Verdict(
            VerdictKind.NOT_SYNC,
            f"{url} answers, but not as CData Sync's API: is the base path right (it ends in "
            "/api.rsc/), and is that port Sync's?",
            reachable=True,
            detail=UpstreamBadResponseError.__name__,
        )
    except UpstreamTimeoutError:
        return Verdict(
            VerdictKind.TIMEOUT,
            f"CData Sync at {url} does not answer in time; the gateway keeps trying.",
            reachable=False,
            detail="timeout",
        )
    except UpstreamConnectionError as exc:
        return Verdict(
            VerdictKind.UNREACHABLE,
            f"CData Sync at {url} is unreachable (nothing answers there yet?); the gateway "
            "keeps running and trying, and is not ready until Sync answers.",
            reachable=False,
            detail=type(exc).__name__,
        )
    except UpstreamStatusError as exc:
        return Verdict(
            VerdictKind.UPSTREAM_ERROR,
            f"CData Sync at {url} answers {exc.status} to a plain read; the gateway keeps trying.",
            reachable=False,  # as before: a server failing every read is not there for us
            detail=f"answered {exc.status}",
        )
    except SyncgqlError as exc:
        return Verdict(
            VerdictKind.UPSTREAM_ERROR,
            f"CData Sync at {url} could not be read ({exc.code}); the gateway keeps trying.",
            reachable=False,
            detail=type(exc).__name__,
        )
    return Verdict(
        VerdictKind.OK,
        f"CData Sync at {url} answers and accepts the service credentials.",
        reachable=True,
        detail="answered",
    )


class StartupCheck:
    """Check at start, say plainly what is wrong, and keep checking until Sync accepts us.

    Args:
        client: the process's client (service credentials).
        base_url: the upstream's service root, for the messages.
        first_retry: seconds before the second check; doubled after each failure.
        max_retry: the longest pause between two checks.
    """

    def __init__(
        self,
        client: SyncClient,
        base_url: str,
        *,
        first_retry: float = 1.0,
        max_retry: float = 10.0,
    ) -> None:
        self._client = client
        self._base_url = base_url
        self._first = first_retry
        self._max = max_retry
        #: The latest verdict (None before the first check finished).
        self.verdict: Verdict | None = None

    async def first(self, within: float) -> None:
        """The first check, given at most ``within`` seconds (the lifespan awaits it).

        Done before the server takes requests, so the verdict is the first thing logged and its
        call is over before anything else counts calls; a Sync that hangs delays start-up by
        ``within`` at most, and :meth:`run` checks again.
        """
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await self._check()

    async def run(self) -> None:
        """Check until the verdict is one the gateway can serve with; log every change."""
        pause = self._first
        while self.verdict is None or not self.verdict.ready:
            if self.verdict is not None:
                await asyncio.sleep(pause)
                pause = min(self._max, pause * 2)
            await self._check()

    async def _check(self) -> None:
        verdict = await check_upstream(self._client, self._base_url)
        previous, self.verdict = self.verdict, verdict
        if previous is not None and previous.kind is verdict.kind:
            return
        if verdict.ready and previous is None:
            logger.info("start-up check: %s", verdict.message)
        elif verdict.ready:
            # As loud as the warnings before it: whoever saw those needs to see this.
            logger.warning("start-up check recovered: %s", verdict.message)
        else:
            logger.warning("start-up check: %s", verdict.message)
