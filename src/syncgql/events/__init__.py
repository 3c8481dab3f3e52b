"""The event layer: one status poll for everyone, fanned out in memory or through Redis.

Wiring (done by the app's lifespan)::

    broadcaster = InMemoryBroadcaster()            # or RedisBroadcaster(url, namespace=ns)
    lease = LocalLease()                           # or RedisLease(redis, key, ttl, owner_id)
    cluster = LocalClusterState()                  # or RedisClusterState(redis, ns, replica_id=…)
    watcher = StatusWatcher(fetch_all, fetch_job, broadcaster, lease, cluster=cluster)
    tailer = LogTailer(fetch_log, broadcaster, lease, cluster=cluster, is_active=…)

This package must not import GraphQL, ASGI or the upstream client: the upstream is reached
only through the callables it is given.
"""

from syncgql.events.activity import (
    ACTIVITY_ALL_TOPIC,
    ActivityThrottle,
    activity_topic,
    is_transition,
)
from syncgql.events.broadcaster import (
    Broadcaster,
    InMemoryBroadcaster,
    Mode,
    Subscription,
    SubscriptionOverflowError,
)
from syncgql.events.cluster import (
    ALL_JOBS,
    ClusterState,
    Interest,
    LocalClusterState,
    RedisClusterState,
    namespace_for,
)
from syncgql.events.lease import Lease, LocalLease, RedisLease
from syncgql.events.logtail import FetchLog, LogTailer, log_topic
from syncgql.events.model import (
    ACTIVE_STATUSES,
    JobStatusEvent,
    JobStatusSnapshot,
    LogChunk,
    QueryProgress,
    decode_event,
    decode_log_chunk,
    decode_snapshot,
    encode_event,
    encode_log_chunk,
    encode_snapshot,
    make_cursor,
    parse_cursor,
)
from syncgql.events.redis_broadcaster import RedisBroadcaster, connect_redis
from syncgql.events.watcher import (
    STATUS_ALL_TOPIC,
    FetchAll,
    FetchJob,
    StatusWatcher,
    status_topic,
)

__all__ = [
    "ACTIVE_STATUSES",
    "ACTIVITY_ALL_TOPIC",
    "ALL_JOBS",
    "STATUS_ALL_TOPIC",
    "ActivityThrottle",
    "Broadcaster",
    "ClusterState",
    "FetchAll",
    "FetchJob",
    "FetchLog",
    "InMemoryBroadcaster",
    "Interest",
    "JobStatusEvent",
    "JobStatusSnapshot",
    "Lease",
    "LocalClusterState",
    "LocalLease",
    "LogChunk",
    "LogTailer",
    "Mode",
    "QueryProgress",
    "RedisBroadcaster",
    "RedisClusterState",
    "RedisLease",
    "StatusWatcher",
    "Subscription",
    "SubscriptionOverflowError",
    "activity_topic",
    "connect_redis",
    "decode_event",
    "decode_log_chunk",
    "decode_snapshot",
    "encode_event",
    "encode_log_chunk",
    "encode_snapshot",
    "is_transition",
    "log_topic",
    "make_cursor",
    "namespace_for",
    "parse_cursor",
    "status_topic",
]
