"""Logs, metrics, request ids and traces of the gateway (issue 5, observability).

- :mod:`syncgql.observability.redact`: scrubs credentials out of any text bound for a log.
- :mod:`syncgql.observability.logs`: JSON or text log lines, with the request id, redacted.
- :mod:`syncgql.observability.requestid`: the ``X-Request-ID`` middleware.
- :mod:`syncgql.observability.metrics`: the Prometheus registry of one app.
- :mod:`syncgql.observability.tracing`: OpenTelemetry spans when the package is installed.
- :mod:`syncgql.observability.health`: the cached checks behind ``/readyz``.
- :mod:`syncgql.observability.scrub`: secrets scrubbed out of GraphQL error messages.
"""
