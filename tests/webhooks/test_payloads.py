"""Event kinds from status events, the three payload formats, and signatures."""

from __future__ import annotations

import hashlib
import hmac

import orjson
import pytest

from syncgql.events import JobStatusEvent, JobStatusSnapshot
from syncgql.webhooks.formats import PayloadFormat, render
from syncgql.webhooks.model import EventKind, webhook_events
from syncgql.webhooks.signing import sign, signed_headers, verify


def snap(status, run_id="r1", **kw):
    return JobStatusSnapshot("Daily", status, status.title(), run_id=run_id, **kw)


def event(before, after, seq=7):
    return JobStatusEvent("Daily", before, after, seq, 1764650000.5)


def test_first_sight_of_a_job_is_no_event():
    assert webhook_events(event(None, snap("SUCCESS"))) == []


def test_running_to_failed_is_a_change_and_a_finished_run():
    kinds = webhook_events(event(snap("RUNNING"), snap("FAILED", detail="boom")))
    assert [k.kind for k in kinds] == [EventKind.JOB_STATUS_CHANGED, EventKind.RUN_FINISHED]
    finished = kinds[1]
    assert finished.outcome == "FAILED"
    assert finished.previous_status == "RUNNING"
    assert finished.id == "RUN_FINISHED:Daily:7"
    assert finished.detail == "boom"


def test_a_run_seen_only_finished_still_finishes():
    # Started and ended between two polls: the status stays SUCCESS, the run id changes.
    kinds = webhook_events(event(snap("SUCCESS", "r1"), snap("SUCCESS", "r2")))
    assert [k.kind for k in kinds] == [EventKind.RUN_FINISHED]


def test_progress_alone_is_no_event():
    assert webhook_events(event(snap("RUNNING"), snap("RUNNING", records_affected=5))) == []
    assert [k.kind for k in webhook_events(event(snap("QUEUED"), snap("RUNNING")))] == [
        EventKind.JOB_STATUS_CHANGED
    ]


FINISHED = webhook_events(event(snap("RUNNING"), snap("SUCCESS", records_affected=12)))[1]


def test_generic_json():
    body = orjson.loads(render(PayloadFormat.JSON, FINISHED))
    assert body == {
        "event": "RUN_FINISHED",
        "data": {
            "id": "RUN_FINISHED:Daily:7",
            "kind": "RUN_FINISHED",
            "jobName": "Daily",
            "status": "SUCCESS",
            "previousStatus": "RUNNING",
            "runId": "r1",
            "outcome": "SUCCESS",
            "detail": None,
            "recordsAffected": 12,
            "occurredAt": 1764650000.5,
        },
    }


def test_slack_escapes_job_names():
    hostile = webhook_events(
        JobStatusEvent(
            "<!channel> & co",
            JobStatusSnapshot("<!channel> & co", "RUNNING", "Running"),
            JobStatusSnapshot("<!channel> & co", "FAILED", "Failed", detail="<b>"),
            1,
            0.0,
        )
    )[1]
    body = orjson.loads(render(PayloadFormat.SLACK, hostile))
    assert set(body) == {"text", "blocks"}
    assert "<!channel>" not in orjson.dumps(body).decode()
    assert "&lt;!channel&gt; &amp; co" in body["text"]
    assert body["blocks"][0]["type"] == "section"
    assert body["blocks"][0]["text"]["type"] == "mrkdwn"


def test_teams_is_an_adaptive_card_message():
    body = orjson.loads(render(PayloadFormat.TEAMS, FINISHED))
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["body"][0]["text"] == 'Job "Daily" finished: SUCCESS (run r1)'
    assert {"title": "Records", "value": "12"} in card["body"][1]["facts"]


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = b'{"a":1}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("s3cret", 1700000000, body) == f"v1={expected}"
    headers = signed_headers(
        "s3cret", event="RUN_FINISHED", delivery_id="d1", body=body, now=1700000000.9
    )
    assert headers["X-Syncgql-Timestamp"] == "1700000000"
    assert headers["X-Syncgql-Signature"] == f"v1={expected}"
    assert headers["X-Syncgql-Event"] == "RUN_FINISHED"
    assert headers["X-Syncgql-Delivery"] == "d1"
    assert "X-Syncgql-Signature" not in signed_headers(None, event="E", delivery_id="d", body=body)


@pytest.mark.parametrize(
    ("secret", "body", "ts", "now", "ok"),
    [
        ("k", b"x", "1000", 1000.0, True),
        ("other", b"x", "1000", 1000.0, False),  # wrong secret
        ("k", b"y", "1000", 1000.0, False),  # body changed
        ("k", b"x", "1000", 1400.0, False),  # too old: a replay
        ("k", b"x", "abc", 1000.0, False),
    ],
)
def test_verify(secret, body, ts, now, ok):
    signature = sign("k", 1000, b"x")
    assert verify(secret, body, ts, signature, now=now) is ok
