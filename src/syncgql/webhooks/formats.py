"""Payload formats: generic JSON, a Slack incoming webhook, a Microsoft Teams incoming webhook.

* ``JSON`` — ``{"event": kind, "data": {...WebhookEvent...}}``: for programs; signed like all.
* ``SLACK`` — ``{"text", "blocks"}`` as Slack's incoming webhooks take it (``text`` is the
  notification fallback, one ``section`` block in mrkdwn carries the same line).
* ``TEAMS`` — a ``message`` with one Adaptive Card attachment, the form both Teams' Workflows
  webhooks and its older incoming-webhook connector accept (MessageCard is being retired).

Job names and detail text come from Sync's users, so in Slack's mrkdwn ``&``, ``<`` and ``>``
are escaped (Slack's documented three), lest a job named ``<!channel>`` ping everyone.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import orjson

from syncgql.webhooks.model import EventKind, WebhookEvent

__all__ = ["PayloadFormat", "render"]


class PayloadFormat(StrEnum):
    """How a webhook's body is shaped."""

    JSON = "JSON"
    SLACK = "SLACK"
    TEAMS = "TEAMS"


_ICON = {"SUCCESS": "✅", "FAILED": "❌", "CANCELLED": "⏹️", "WARNING": "⚠️"}
_TEAMS_COLOR = {"SUCCESS": "Good", "FAILED": "Attention", "WARNING": "Warning"}


def render(fmt: PayloadFormat, event: WebhookEvent) -> bytes:
    """The request body for ``event`` in ``fmt``."""
    if fmt is PayloadFormat.SLACK:
        return orjson.dumps(_slack(event))
    if fmt is PayloadFormat.TEAMS:
        return orjson.dumps(_teams(event))
    return orjson.dumps({"event": str(event.kind), "data": event.as_json()})


def headline(event: WebhookEvent) -> str:
    """One line a person reads: ``Job "Daily" finished: FAILED (run 42)``."""
    run = f" (run {event.run_id})" if event.run_id else ""
    if event.kind is EventKind.RUN_FINISHED:
        return f'Job "{event.job_name}" finished: {event.outcome}{run}'
    return f'Job "{event.job_name}" is {event.status} (was {event.previous_status}){run}'


def _facts(event: WebhookEvent) -> list[tuple[str, str]]:
    facts = [("Status", event.status)]
    if event.records_affected is not None:
        facts.append(("Records", str(event.records_affected)))
    if event.detail:
        facts.append(("Detail", event.detail[:500]))
    return facts


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack(event: WebhookEvent) -> dict[str, Any]:
    icon = _ICON.get(event.outcome or "", "🔄")
    line = _slack_escape(f"{icon} {headline(event)}")
    details = "\n".join(f"*{k}:* {_slack_escape(v)}" for k, v in _facts(event))
    return {
        "text": line,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{line}\n{details}"}},
        ],
    }


def _teams(event: WebhookEvent) -> dict[str, Any]:
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": headline(event),
                "weight": "Bolder",
                "wrap": True,
                "color": _TEAMS_COLOR.get(event.outcome or "", "Default"),
            },
            {
                "type": "FactSet",
                "facts": [{"title": k, "value": v} for k, v in _facts(event)],
            },
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }
