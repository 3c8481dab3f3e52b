"""Post-job events: which jobs an APIScript event starts, and when it cannot be told.

Sync's Events tab inserts a snippet for "trigger a new job execution" (sync-api.md §1.4,
CData's Events page). Its shape, as recognised here: an item is filled with ``api:set`` and
passed to an ``api:call`` of the execute-job operation::

    <api:set attr="job.JobName" value="NextJob"/>
    <api:set attr="job.WaitForResults" value="false"/>
    <api:call op="syncExecuteJob" in="job"/>

Any ``op`` ending in ``executeJob`` (case-insensitive) counts. The started job is the last
literal ``<item>.JobName`` set before the call. A name built from an expression (``[...]``),
a call without a name, a script that is not well-formed XML or declares a DTD is *not
understood*: the event may start a job nobody can name, and the answer says so instead of
guessing. A script without such a call starts no job by the snippet (its other effects are
not analysed).
"""

from __future__ import annotations

import enum
import xml.etree.ElementTree as ET
from dataclasses import dataclass

__all__ = ["EventAnalysis", "EventOutcome", "analyse_event"]

_API_NS = "http://apiscript.com/ns?v1"
_MAX_SCRIPT_CHARS = 64_000
"""Longer scripts are not parsed (a bound on the work one job's field can cause)."""


class EventOutcome(enum.Enum):
    """What an event script was found to do."""

    NONE = "NONE"
    """No script."""
    STARTS_JOBS = "STARTS_JOBS"
    """It runs the execute-job snippet for the named jobs."""
    NO_JOB = "NO_JOB"
    """It has no execute-job call: it starts no job through the snippet."""
    NOT_UNDERSTOOD = "NOT_UNDERSTOOD"
    """It may start a job this analysis cannot name (see ``reason``)."""


@dataclass(frozen=True, slots=True)
class EventAnalysis:
    """The outcome, the jobs started (in script order) and, when not understood, why."""

    outcome: EventOutcome
    jobs: tuple[str, ...] = ()
    reason: str | None = None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _not_understood(reason: str, jobs: list[str] | None = None) -> EventAnalysis:
    return EventAnalysis(EventOutcome.NOT_UNDERSTOOD, tuple(jobs or ()), reason)


def analyse_event(script: str | None) -> EventAnalysis:
    """Recognise the execute-job snippet in a pre- or post-job event script."""
    if script is None or not script.strip():
        return EventAnalysis(EventOutcome.NONE)
    if len(script) > _MAX_SCRIPT_CHARS:
        return _not_understood(f"the script is longer than {_MAX_SCRIPT_CHARS} characters")
    if "<!" in script.replace("<!--", ""):
        return _not_understood("the script declares a DTD or CDATA section")
    # The script is a fragment using the api: prefix without declaring it: wrap it.
    wrapped = f'<script xmlns:api="{_API_NS}">{script}</script>'
    try:
        root = ET.fromstring(wrapped)  # noqa: S314 - no DTD (checked above), size bounded
    except ET.ParseError as exc:
        return _not_understood(f"the script is not well-formed APIScript ({exc})")
    items: dict[str, str | None] = {}
    jobs: list[str] = []
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "set":
            attr = element.get("attr") or ""
            item, _, name = attr.rpartition(".")
            if name.lower() == "jobname":
                value = element.get("value")
                literal = value is not None and "[" not in value and value.strip() != ""
                items[item.lower()] = value.strip() if literal and value else None
        elif tag == "call" and (element.get("op") or "").lower().endswith("executejob"):
            target = (element.get("in") or "").lower()
            if target not in items:
                return _not_understood("an execute-job call without a JobName set before it", jobs)
            started = items[target]
            if started is None:
                return _not_understood("the job to start is computed at run time", jobs)
            jobs.append(started)
    if jobs:
        return EventAnalysis(EventOutcome.STARTS_JOBS, tuple(dict.fromkeys(jobs)))
    if "executejob" in script.lower():
        return _not_understood("the script mentions executeJob outside the known snippet")
    return EventAnalysis(EventOutcome.NO_JOB)
