"""Operations insight: job health, run statistics, schedules and the job dependency graph.

Pure analysis over upstream models (``syncgql.upstream.models``): nothing here does I/O, reads
settings at import time or knows GraphQL. The GraphQL layer loads jobs, history rows,
transformations and tasks in batches and hands them to these functions.

Modules: ``stats`` (runtimes, rows, percentiles over a window), ``schedule`` (cron → the times
a job should have run), ``events`` (post-job APIScript: which jobs it starts), ``graph`` (edges
between jobs and transformations, impact order, cycles, missing links), ``finding`` (kinds,
severities, thresholds), ``running`` (the run in flight: no progress, stuck starting),
``expiry`` (certificates expiring) and ``health`` (the findings and the verdict of one job).
"""
