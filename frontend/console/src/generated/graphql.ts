import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date and time as RFC 3339 text with an offset, e.g. `2025-02-21T09:31:08-05:00` (fractions of a second optional). Inputs without an offset are read as UTC. */
  DateTime: { input: string; output: string; }
};

/** Conditions on logged API requests; all must hold. */
export type ApiRequestFilter = {
  /** All of these. */
  and?: InputMaybe<Array<ApiRequestFilter>>;
  /** HTTP method. */
  method?: InputMaybe<StringFilter>;
  /** Not this. */
  not?: InputMaybe<ApiRequestFilter>;
  /** Any of these. */
  or?: InputMaybe<Array<ApiRequestFilter>>;
  /** HTTP status. */
  status?: InputMaybe<IntFilter>;
  /** When. */
  timestamp?: InputMaybe<DateTimeFilter>;
  /** Path and query. */
  url?: InputMaybe<StringFilter>;
  /** Caller. */
  user?: InputMaybe<StringFilter>;
};

/** Conditions on audit rows; all given ones must hold. */
export type AuditLogFilter = {
  /** The mutation field (`executeJob`) or the operation name. */
  operation?: InputMaybe<Scalars['String']['input']>;
  /** The outcome (`ExecuteJobSuccess`, `FORBIDDEN`, …). */
  outcome?: InputMaybe<Scalars['String']['input']>;
  /** At or after. */
  since?: InputMaybe<Scalars['DateTime']['input']>;
  /** Before. */
  until?: InputMaybe<Scalars['DateTime']['input']>;
  /** The `user` hash or the Sync `userName`. */
  user?: InputMaybe<Scalars['String']['input']>;
};

/** Condition on a true/false value. */
export type BooleanFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['Boolean']['input']>;
};

/** Conditions on connections; all given conditions must hold. */
export type ConnectionFilter = {
  /** All of these. */
  and?: InputMaybe<Array<ConnectionFilter>>;
  /** Name. */
  name?: InputMaybe<StringFilter>;
  /** Not this. */
  not?: InputMaybe<ConnectionFilter>;
  /** Any of these. */
  or?: InputMaybe<Array<ConnectionFilter>>;
  /** Provider. */
  providerName?: InputMaybe<StringFilter>;
  /** Last test result. */
  state?: InputMaybe<StringFilter>;
};

/** One ordering of connections. */
export type ConnectionOrder = {
  /** Direction. */
  direction?: SortDirection;
  /** What to order by. */
  field: ConnectionOrderField;
};

/** Fields connections can be ordered by. */
export type ConnectionOrderField =
  /** By the time of the last change. */
  | 'LAST_MODIFIED'
  /** By connection name. */
  | 'NAME'
  /** By provider (driver) name. */
  | 'PROVIDER_NAME';

/** A new connection. */
export type CreateConnectionInput = {
  /** Provider settings, `k=v;k2=v2`. */
  connectionString: Scalars['String']['input'];
  /** Unique name. */
  name: Scalars['String']['input'];
  /** Provider, e.g. `SQLite`, `CSV`, `Demo`. */
  providerName: Scalars['String']['input'];
  /** Log verbosity. */
  verbosity?: InputMaybe<Scalars['Int']['input']>;
};

/** A new job. */
export type CreateJobInput = {
  /** Alter schema. */
  alterSchema?: InputMaybe<Scalars['Boolean']['input']>;
  /** Truncate. */
  autoTruncateStrings?: InputMaybe<Scalars['Boolean']['input']>;
  /** Rows per batch. */
  batchSize?: InputMaybe<Scalars['Int']['input']>;
  /** Schema override. */
  cacheSchema?: InputMaybe<Scalars['String']['input']>;
  /** Seconds. */
  commandTimeout?: InputMaybe<Scalars['Int']['input']>;
  /** Go on. */
  continueOnError?: InputMaybe<Scalars['Boolean']['input']>;
  /** Destination connection name. */
  destination: Scalars['String']['input'];
  /** Drop destination tables before each run. */
  dropTable?: InputMaybe<Scalars['Boolean']['input']>;
  /** Only errors. */
  emailErrorOnly?: InputMaybe<Scalars['Boolean']['input']>;
  /** Unique job name. */
  name: Scalars['String']['input'];
  /** Subject. */
  notifyEmailSubject?: InputMaybe<Scalars['String']['input']>;
  /** Recipients. */
  notifyEmailTo?: InputMaybe<Scalars['String']['input']>;
  /** Event log. */
  notifyWindowsEvent?: InputMaybe<Scalars['Boolean']['input']>;
  /** Options. */
  otherCacheOptions?: InputMaybe<Scalars['String']['input']>;
  /** Post-job code. */
  postJob?: InputMaybe<Scalars['String']['input']>;
  /** Pre-job code. */
  preJob?: InputMaybe<Scalars['String']['input']>;
  /** Task queries, e.g. `REPLICATE [orders]`. */
  queries?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Chunk size. */
  replicateInterval?: InputMaybe<Scalars['Int']['input']>;
  /** Unit. */
  replicateIntervalUnit?: InputMaybe<Scalars['String']['input']>;
  /** yyyy-MM-dd. */
  replicateStartDate?: InputMaybe<Scalars['String']['input']>;
  /** Run on the cron. */
  scheduled?: InputMaybe<Scalars['Boolean']['input']>;
  /** Cron, 5 fields (6 on servers with seconds). */
  scheduledCron?: InputMaybe<Scalars['String']['input']>;
  /** Email. */
  sendEmailNotification?: InputMaybe<Scalars['Boolean']['input']>;
  /** Skip deleted. */
  skipDeleted?: InputMaybe<Scalars['Boolean']['input']>;
  /** Source connection name. */
  source: Scalars['String']['input'];
  /** Table prefix. */
  tableNamePrefix?: InputMaybe<Scalars['String']['input']>;
  /** Delete destination rows before each run. */
  truncateTableData?: InputMaybe<Scalars['Boolean']['input']>;
  /** Kind of job. */
  type?: InputMaybe<JobType>;
  /** GMT times. */
  useGmtDateTime?: InputMaybe<Scalars['Boolean']['input']>;
  /** 1 error … 4 verbose. */
  verbosity?: InputMaybe<Scalars['Int']['input']>;
};

/** A new task of a job or transformation. */
export type CreateTaskInput = {
  /** Position (1…n). */
  index?: InputMaybe<Scalars['Int']['input']>;
  /** Job (or transformation) to add it to. */
  jobName: Scalars['String']['input'];
  /** The task's query. */
  query?: InputMaybe<Scalars['String']['input']>;
  /** A table to replicate. */
  table?: InputMaybe<Scalars['String']['input']>;
};

/** A new transformation. */
export type CreateTransformationInput = {
  /** Retry. */
  automaticJobRetry?: InputMaybe<Scalars['Boolean']['input']>;
  /** Seconds. */
  commandTimeout?: InputMaybe<Scalars['Int']['input']>;
  /** Connection the SQL runs on. */
  connectionName?: InputMaybe<Scalars['String']['input']>;
  /** dbt: target schema. */
  dbtSchema?: InputMaybe<Scalars['String']['input']>;
  /** Only errors. */
  emailErrorOnly?: InputMaybe<Scalars['Boolean']['input']>;
  /** dbt: Git repository of the project. */
  gitRepositoryUrl?: InputMaybe<Scalars['String']['input']>;
  /** dbt: Git access token (a secret: never shown back, never logged). */
  gitToken?: InputMaybe<Scalars['String']['input']>;
  /** Unique name. */
  name: Scalars['String']['input'];
  /** Subject. */
  notifyEmailSubject?: InputMaybe<Scalars['String']['input']>;
  /** Recipients. */
  notifyEmailTo?: InputMaybe<Scalars['String']['input']>;
  /** dbt: project path. */
  projectPath?: InputMaybe<Scalars['String']['input']>;
  /** dbt: where the project lives, as Sync spells it. */
  projectType?: InputMaybe<Scalars['String']['input']>;
  /** SQL statements, run in order. */
  queries?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Cron. */
  scheduledCron?: InputMaybe<Scalars['String']['input']>;
  /** Email. */
  sendEmailNotification?: InputMaybe<Scalars['Boolean']['input']>;
  /** dbt: threads (1 or more). */
  threads?: InputMaybe<Scalars['Int']['input']>;
  /** Job after which it runs. */
  triggerAfterJobName?: InputMaybe<Scalars['String']['input']>;
  /** When it runs. */
  triggerMode?: InputMaybe<TriggerMode>;
  /** Task ids that trigger it, comma separated. */
  triggerTasks?: InputMaybe<Scalars['String']['input']>;
  /** Kind of transformation: `SQL`, `DBT` or `DBT-Cloud`. */
  type?: InputMaybe<Scalars['String']['input']>;
  /** Verbosity. */
  verbosity?: InputMaybe<Scalars['Int']['input']>;
};

/** A new user. */
export type CreateUserInput = {
  /** Enabled. */
  active?: InputMaybe<Scalars['Boolean']['input']>;
  /** SSO id. */
  federationId?: InputMaybe<Scalars['String']['input']>;
  /** Login name. */
  name: Scalars['String']['input'];
  /** Password. */
  password: Scalars['String']['input'];
  /** Roles: cdata_admin, cdata_standard, cdata_job_creator, cdata_support. */
  roles: Array<Scalars['String']['input']>;
};

/** A new webhook. */
export type CreateWebhookInput = {
  /** The events to receive (at least one). */
  events: Array<WebhookEvent>;
  /** The body's shape. */
  format?: WebhookFormat;
  /** Only these jobs' events; omit or null for every job. */
  jobNames?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Signs deliveries (HMAC-SHA256, at least 16 characters); write-only. Without it deliveries are unsigned. */
  secret?: InputMaybe<Scalars['String']['input']>;
  /** http(s) URL; its host must resolve to public addresses only, unless the operator allow-listed it (`--webhook-allow`). */
  url: Scalars['String']['input'];
};

/** Conditions on a point in time; all given conditions must hold. */
export type DateTimeFilter = {
  /** At or after. */
  ge?: InputMaybe<Scalars['DateTime']['input']>;
  /** After. */
  gt?: InputMaybe<Scalars['DateTime']['input']>;
  /** At or before. */
  le?: InputMaybe<Scalars['DateTime']['input']>;
  /** Before. */
  lt?: InputMaybe<Scalars['DateTime']['input']>;
};

/** What a write would do. */
export type DryRunAction =
  /** A create: the object does not exist yet. */
  | 'CREATE'
  /** A delete of an existing object. */
  | 'DELETE'
  /** An update of an existing object. */
  | 'UPDATE';

/** Every error code syncgql emits, in `extensions.code` and in `errorCode`. */
export type ErrorCode =
  /** The request or its arguments are malformed or invalid; the message says what to fix. */
  | 'BAD_USER_INPUT'
  /** Start-up only: the settings cannot work (never per request). */
  | 'CONFIG_ERROR'
  /** The request conflicts with the current state (already running, name taken, …). */
  | 'CONFLICT'
  /** The operations console's assets were never built on this server (503). */
  | 'CONSOLE_NOT_BUILT'
  /** This server needs a CSRF-safe header (`x-syncgql-csrf: 1`) on GET requests. */
  | 'CSRF_HEADER_REQUIRED'
  /** The gateway's own database cannot be reached; a mutation with an `idempotencyKey` did not run. */
  | 'DATABASE_UNAVAILABLE'
  /** The document, request body or query string exceeds its byte limit. */
  | 'DOCUMENT_TOO_LARGE'
  /** Your CData Sync role does not allow this operation. */
  | 'FORBIDDEN'
  /** The GraphiQL assets were never built on this server (503). */
  | 'GRAPHIQL_NOT_BUILT'
  /** The GraphQL document is not valid syntax. */
  | 'GRAPHQL_PARSE_FAILED'
  /** The document breaks a GraphQL validation rule (unknown field, fragment cycle, …). */
  | 'GRAPHQL_VALIDATION_FAILED'
  /** A request with this `idempotencyKey` is still running; retry later for its answer. */
  | 'IDEMPOTENCY_KEY_IN_PROGRESS'
  /** This `idempotencyKey` was used with other arguments; use a new key for a new request. */
  | 'IDEMPOTENCY_KEY_REUSED'
  /** An input object is nested deeper than allowed. */
  | 'INPUT_TOO_DEEP'
  /** An argument or variable is too long or has too many items or nodes. */
  | 'INPUT_TOO_LARGE'
  /** A bug in the gateway; `extensions.requestId` finds the detail in the server log. */
  | 'INTERNAL'
  /** The HTTP method cannot serve this request (e.g. a mutation over GET); see `Allow`. */
  | 'METHOD_NOT_ALLOWED'
  /** The addressed object (or HTTP path) does not exist or is not visible to you. */
  | 'NOT_FOUND'
  /** The gateway runs only its trusted documents (--trusted-documents), and this is not one. */
  | 'OPERATION_NOT_TRUSTED'
  /** A `first`/`last` argument is above the cap. */
  | 'PAGE_SIZE_TOO_LARGE'
  /** The document sent with a persisted-query hash does not have that hash. */
  | 'PERSISTED_QUERY_HASH_MISMATCH'
  /** The persisted-query extension is malformed (version, hash format). */
  | 'PERSISTED_QUERY_INVALID'
  /** The hash names no stored document: send the full query with the hash once (Apollo's persisted-query link does so by itself). */
  | 'PERSISTED_QUERY_NOT_FOUND'
  /** The operation's estimated cost is above the limit; ask for fewer items or fields. */
  | 'QUERY_TOO_COSTLY'
  /** The selection is nested deeper than allowed. */
  | 'QUERY_TOO_DEEP'
  /** Too many requests; retry after `extensions.retryAfter` seconds. */
  | 'RATE_LIMITED'
  /** The client did not send its request head or body in time (408; the connection closes). */
  | 'REQUEST_TIMEOUT'
  /** The run finished FAILED or CANCELLED (`JobRunFailed`); `status` and `detail` say how. */
  | 'RUN_FAILED'
  /** The gateway is shutting down; `extensions.jobStarted` says whether the job ran. */
  | 'SHUTTING_DOWN'
  /** The subscriber fell too far behind; resubscribe (with the last cursor). */
  | 'SLOW_CONSUMER'
  /** Subscriptions are not running on this server. */
  | 'SUBSCRIPTIONS_UNAVAILABLE'
  /** Internal: a queue subscriber was dropped; clients see SLOW_CONSUMER. */
  | 'SUBSCRIPTION_OVERFLOW'
  /** The operation runs more job actions (executeJob, …) than allowed. */
  | 'TOO_MANY_ACTIONS'
  /** The document uses more aliases than allowed. */
  | 'TOO_MANY_ALIASES'
  /** The document uses more directives than allowed. */
  | 'TOO_MANY_DIRECTIVES'
  /** The operation selects more root fields than allowed. */
  | 'TOO_MANY_ROOT_FIELDS'
  /** The caller already holds --max-streams-per-caller SSE or multipart subscription streams and awaitRun waits. */
  | 'TOO_MANY_SUBSCRIPTIONS'
  /** The document has more tokens than allowed. */
  | 'TOO_MANY_TOKENS'
  /** No usable CData Sync credentials, or Sync rejected them. */
  | 'UNAUTHENTICATED'
  /** The request's Content-Type or charset is not `application/json` in UTF-8. */
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** CData Sync answered with something that is not a Sync API response. */
  | 'UPSTREAM_BAD_RESPONSE'
  /** The operation needs more calls to CData Sync than its budget; split it. */
  | 'UPSTREAM_BUDGET_EXCEEDED'
  /** Your other requests hold every slot to CData Sync; retry shortly. */
  | 'UPSTREAM_BUSY'
  /** CData Sync failed to answer this request (5xx). */
  | 'UPSTREAM_ERROR'
  /** CData Sync did not answer in time. */
  | 'UPSTREAM_TIMEOUT'
  /** CData Sync is unreachable (or its circuit breaker is open); retry shortly. */
  | 'UPSTREAM_UNAVAILABLE';

/**
 * What a health finding is about. Thresholds are settings (`SYNCGQL_HEALTH_*`), defaults in brackets; the history read is the last `health_window_days` [14] days.
 * - NEVER_RUN: no run in the window (WARNING when scheduled, else INFO).
 * - FAILURE_STREAK: the newest finished runs failed; FAILING from `health_failure_streak` [2] in a row, WARNING for fewer.
 * - ZERO_ROWS: `health_zero_row_streak` [3] successful runs in a row moved no rows (WARNING).
 * - STALE: the cron passed `health_stale_missed_runs` [2] scheduled times since the last success, ignoring the last `health_stale_grace_seconds` [300] (FAILING).
 * - BAD_SCHEDULE: the cron does not parse (5 fields, or 6 with seconds first).
 * - SLOW: the last successful run took longer than the p95 of the earlier runs and `health_slow_factor` [2] times their median; needs `health_min_runs` [5] earlier runs (WARNING).
 * - STUCK: a run is running for longer than `health_stuck_factor` [3] times the p95 runtime (at least `health_stuck_min_seconds` [300]), or `health_stuck_seconds` [3600] without enough history (FAILING).
 * - NO_PROGRESS: a running run's rows stayed still for `health_no_progress_seconds` [1800]: no row since it started, or no change the status watcher saw (WARNING).
 * - STUCK_STARTING: a run is queued or starting (Queued, Starting, Testing) for over `health_starting_seconds` [600] (FAILING).
 * - RELOAD: an incremental job (no truncate, no drop) moved over `health_reload_factor` [10] times its median rows (WARNING).
 * - CDC_STALLED: a ChangeDataCapture job's last `health_cdc_stall_runs` [2] or more successful runs moved no rows for over `health_cdc_stall_seconds` [21600]; Sync shows no log position, rows are its trace (WARNING; replaces ZERO_ROWS).
 * - CERTIFICATE_EXPIRING: a certificate one of the job's connections uses (its `connectorIds`) expires within `health_certificate_days` [30] days (WARNING; FAILING once expired). Skipped when the caller may not read certificates.
 * - CYCLE: the job is on a loop of triggers (WARNING).
 * - MISSING_LINK: a trigger of the job names a job that does not exist (WARNING).
 * - EVENT_NOT_UNDERSTOOD: the post-job event may start jobs nobody can name (INFO).
 */
export type FindingKind =
  /** The cron does not parse. */
  | 'BAD_SCHEDULE'
  /** A change-data-capture job's runs stopped bringing changes. */
  | 'CDC_STALLED'
  /** A certificate the job's connections use expires soon. */
  | 'CERTIFICATE_EXPIRING'
  /** The job is on a loop of triggers. */
  | 'CYCLE'
  /** The post-job event may start jobs that cannot be named. */
  | 'EVENT_NOT_UNDERSTOOD'
  /** The newest finished runs failed. */
  | 'FAILURE_STREAK'
  /** A trigger of the job names a job that does not exist. */
  | 'MISSING_LINK'
  /** No run in the window. */
  | 'NEVER_RUN'
  /** A running run's rows have not moved for a while. */
  | 'NO_PROGRESS'
  /** An incremental job moved far more rows than usual. */
  | 'RELOAD'
  /** The last run was slower than the job's usual p95 and median. */
  | 'SLOW'
  /** The schedule's runs are missing since the last success. */
  | 'STALE'
  /** A run is running far past the job's usual length. */
  | 'STUCK'
  /** A run has been queued or starting far longer than starting takes. */
  | 'STUCK_STARTING'
  /** Successful runs in a row moved no rows. */
  | 'ZERO_ROWS';

/** How much a finding weighs: INFO does not change the verdict. */
export type FindingSeverity =
  /** Makes the verdict FAILING. */
  | 'FAILING'
  /** Worth knowing; does not change the verdict. */
  | 'INFO'
  /** Makes the verdict at least WARNING. */
  | 'WARNING';

/** Why one node follows another. AFTER_JOB: a transformation triggered after a job. TRIGGER_TASKS: a transformation triggered by tasks of a job (`via` lists the task ids). POST_JOB_EVENT: a job's post-job event runs the execute-job snippet. SHARED_TABLE: two jobs write the same table of one destination (`via` is the table); it starts nothing, is listed in both directions and is left out of impact and cycles. */
export type GraphEdgeKind =
  /** The transformation runs after the job (trigger mode AfterJob). */
  | 'AFTER_JOB'
  /** The job's post-job event starts the target. */
  | 'POST_JOB_EVENT'
  /** Both jobs write this table of the same destination. */
  | 'SHARED_TABLE'
  /** The transformation runs after these tasks of the job (TriggerTasks). */
  | 'TRIGGER_TASKS';

/** What a node of the job graph is: a JOB, a TRANSFORMATION, or MISSING (a name or task id that something points at and no job or transformation has). */
export type GraphNodeKind =
  /** A replication job. */
  | 'JOB'
  /** Something points here, but no job or transformation has this name. */
  | 'MISSING'
  /** A transformation. */
  | 'TRANSFORMATION';

/** The overall state of a job: FAILING when any finding is FAILING, WARNING when any is WARNING, UNKNOWN when the job has no finished run in the window (and nothing worse), else HEALTHY. */
export type HealthVerdict =
  /** Runs fail, are stuck, or the schedule's runs are missing. */
  | 'FAILING'
  /** Runs succeed, on time, at their usual size and speed. */
  | 'HEALTHY'
  /** No finished run in the window to judge by. */
  | 'UNKNOWN'
  /** Something is unusual (zero rows, slow, reload, a broken link, ...). */
  | 'WARNING';

/** Conditions on a number; all given conditions must hold. */
export type IntFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['Int']['input']>;
  /** Greater than or equal to. */
  ge?: InputMaybe<Scalars['Int']['input']>;
  /** Greater than. */
  gt?: InputMaybe<Scalars['Int']['input']>;
  /** Less than or equal to. */
  le?: InputMaybe<Scalars['Int']['input']>;
  /** Less than. */
  lt?: InputMaybe<Scalars['Int']['input']>;
  /** Not equal to. */
  ne?: InputMaybe<Scalars['Int']['input']>;
};

/** Why a `jobStatusChanged` event was sent. */
export type JobEventKind =
  /** The job's state when you subscribed (the first events). */
  | 'CURRENT'
  /** Same run and status, new rows (only with `progress: true`, paced). */
  | 'PROGRESS'
  /** The status, the run or its start changed. */
  | 'TRANSITION';

/** Conditions on jobs; all given conditions must hold. */
export type JobFilter = {
  /** All of these. */
  and?: InputMaybe<Array<JobFilter>>;
  /** Destination name. */
  destination?: InputMaybe<StringFilter>;
  /** Health verdict or finding kinds (top level only). */
  health?: InputMaybe<JobHealthFilter>;
  /** Status of the last run, as `lastStatus` gives it. */
  lastStatus?: InputMaybe<RunStatusFilter>;
  /** Last status text exactly as stored upstream, as `lastStatusText` gives it. */
  lastStatusText?: InputMaybe<StringFilter>;
  /** Job name. */
  name?: InputMaybe<StringFilter>;
  /** Not this. */
  not?: InputMaybe<JobFilter>;
  /** Any of these. */
  or?: InputMaybe<Array<JobFilter>>;
  /** Scheduled. */
  scheduled?: InputMaybe<BooleanFilter>;
  /** Source name. */
  source?: InputMaybe<StringFilter>;
};

/** Which part of the job graph to return; all given must hold. */
export type JobGraphFilter = {
  /** Only edges of these kinds. */
  kinds?: InputMaybe<Array<GraphEdgeKind>>;
  /** Only edges touching one of these jobs or transformations (at most 100). */
  names?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** Conditions on a job's health (computed by the gateway, not by CData Sync: the jobs matching the rest of the filter are read whole and assessed; six upstream calls). */
export type JobHealthFilter = {
  /** The job has a finding of one of these kinds. */
  kind?: InputMaybe<Array<FindingKind>>;
  /** The verdict is one of these. */
  verdict?: InputMaybe<Array<HealthVerdict>>;
};

/** One ordering of jobs. */
export type JobOrder = {
  /** Direction. */
  direction?: SortDirection;
  /** What to order by. */
  field: JobOrderField;
};

/** Fields jobs can be ordered by. */
export type JobOrderField =
  /** By destination connection name. */
  | 'DESTINATION'
  /** By the status of the last run. */
  | 'LAST_STATUS'
  /** By job name. */
  | 'NAME'
  /** By source connection name. */
  | 'SOURCE';

/** Conditions on runs; all given conditions must hold. */
export type JobRunFilter = {
  /** All of these. */
  and?: InputMaybe<Array<JobRunFilter>>;
  /** Job name. */
  jobName?: InputMaybe<StringFilter>;
  /** Not this. */
  not?: InputMaybe<JobRunFilter>;
  /** Any of these. */
  or?: InputMaybe<Array<JobRunFilter>>;
  /** Rows written. */
  recordsAffected?: InputMaybe<IntFilter>;
  /** Start time. */
  runStartDate?: InputMaybe<DateTimeFilter>;
  /** Status of the run, as `status` gives it. */
  status?: InputMaybe<RunStatusFilter>;
  /** Status text exactly as stored upstream, as `statusText` gives it. */
  statusText?: InputMaybe<StringFilter>;
};

/** One ordering of runs. */
export type JobRunOrder = {
  /** Ascending or descending. */
  direction?: SortDirection;
  /** What to order by. */
  field: JobRunOrderField;
};

/** Fields runs can be ordered by. */
export type JobRunOrderField =
  /** By job name. */
  | 'JOB_NAME'
  /** By rows written. */
  | 'RECORDS_AFFECTED'
  /** By duration. */
  | 'RUNTIME'
  /** By start time. */
  | 'RUN_START_DATE'
  /** By status text. */
  | 'STATUS';

/** The kind of a job. Sync sends `Type` as a number (older servers) or a name (newer ones); both map here, and the gateway writes the form its server uses. */
export type JobType =
  /** Replicates changes as the source logs them (CDC, 7). */
  | 'CHANGE_DATA_CAPTURE'
  /** Enhanced CDC (newer servers; no numeric code is known). */
  | 'ENHANCED_CHANGE_DATA_CAPTURE'
  /** Loads files of a folder (3). */
  | 'LOAD_FOLDER'
  /** Replicates every table of the source (2; V2: SyncAll). */
  | 'REPLICATE_ALL'
  /** Writes warehouse data back to an application (10). */
  | 'REVERSE_ETL'
  /** Replicates the tables its tasks name (1). */
  | 'STANDARD'
  /** A type this API does not know; see `typeText` and `typeCode`. */
  | 'UNKNOWN';

/** Where a `jobLog` without `after` starts. */
export type LogStart =
  /** The first line of the current (or latest) run's log: the default. */
  | 'LATEST_RUN'
  /** Only lines written after you subscribed (of the run in progress and later). */
  | 'NEW_LINES'
  /** The first line of the next run that starts; the run in progress, if any, is skipped. */
  | 'NEXT_RUN';

/** Status of a job or run, normalised from every spelling CData Sync uses (`Successful`, `In progress`, `SUCCESS`, …); the raw text is in `statusText`. */
export type RunStatus =
  /** Stopped by a cancellation (`CANCELLED`, `Canceled`, `Cancelling`). */
  | 'CANCELLED'
  /** Finished with an error; `detail` says what (`Failed`, `Error`). */
  | 'FAILED'
  /** The job or transformation has not run yet (no last run to report). */
  | 'NEVER_RUN'
  /** Accepted and waiting to start (Sync's `Starting`, `Queued`, `Pending`). */
  | 'QUEUED'
  /** Under way (`Running`, `In progress`, `Testing` while connections are tested). */
  | 'RUNNING'
  /** Finished; every task succeeded (`SUCCESS`, `Successful`, `Completed`). */
  | 'SUCCESS'
  /** A status text this API does not know; `statusText` has it as Sync sent it. */
  | 'UNKNOWN'
  /** Finished, with warnings worth reading in the log (`Warning`). */
  | 'WARNING';

/** Conditions on a status, by the `RunStatus` the results carry; all given conditions must hold. Each value matches every spelling Sync uses for it (`SUCCESS`, `Successful`, …); the `statusText`/`lastStatusText` filter beside it matches one exact spelling. */
export type RunStatusFilter = {
  /** Equal to. */
  eq?: InputMaybe<RunStatus>;
  /** Equal to one of these. */
  in?: InputMaybe<Array<RunStatus>>;
  /** Not equal to. */
  ne?: InputMaybe<RunStatus>;
};

/** Sort direction. */
export type SortDirection =
  /** Smallest first (A to Z, oldest first). */
  | 'ASC'
  /** Largest first (Z to A, newest first). */
  | 'DESC';

/** Conditions on a text value; all given conditions must hold. */
export type StringFilter = {
  /** Contains this text. */
  contains?: InputMaybe<Scalars['String']['input']>;
  /** Equal to. */
  eq?: InputMaybe<Scalars['String']['input']>;
  /** Equal to one of these (at most 100). */
  in?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Not equal to. */
  ne?: InputMaybe<Scalars['String']['input']>;
  /** Starts with this text. */
  startsWith?: InputMaybe<Scalars['String']['input']>;
};

/** Which objects `ConnectionEntity.tables` lists. */
export type TableKind =
  /** Tables and views. */
  | 'ALL'
  /** Tables only. */
  | 'TABLES'
  /** Views only. */
  | 'VIEWS';

/** Conditions on tasks; all given conditions must hold. */
export type TaskFilter = {
  /** All of these. */
  and?: InputMaybe<Array<TaskFilter>>;
  /** Run position. */
  index?: InputMaybe<IntFilter>;
  /** Job name. */
  jobName?: InputMaybe<StringFilter>;
  /** Not this. */
  not?: InputMaybe<TaskFilter>;
  /** Any of these. */
  or?: InputMaybe<Array<TaskFilter>>;
  /** Query text. */
  query?: InputMaybe<StringFilter>;
  /** Table. */
  table?: InputMaybe<StringFilter>;
};

/** One ordering of tasks. */
export type TaskOrder = {
  /** Direction. */
  direction?: SortDirection;
  /** What to order by. */
  field: TaskOrderField;
};

/** Fields tasks can be ordered by. */
export type TaskOrderField =
  /** By position in the job. */
  | 'INDEX'
  /** By the name of the task's job. */
  | 'JOB_NAME'
  /** By task id (creation order). */
  | 'TASK_ID';

/** Conditions on transformations; all given conditions must hold. */
export type TransformationFilter = {
  /** All of these. */
  and?: InputMaybe<Array<TransformationFilter>>;
  /** Connection the SQL runs on. */
  connectionName?: InputMaybe<StringFilter>;
  /** Name. */
  name?: InputMaybe<StringFilter>;
  /** Not this. */
  not?: InputMaybe<TransformationFilter>;
  /** Any of these. */
  or?: InputMaybe<Array<TransformationFilter>>;
  /** Job after which it runs. */
  triggerAfterJobName?: InputMaybe<StringFilter>;
};

/** One ordering of transformations. */
export type TransformationOrder = {
  /** Direction. */
  direction?: SortDirection;
  /** What to order by. */
  field: TransformationOrderField;
};

/** Fields transformations can be ordered by. */
export type TransformationOrderField =
  /** By the name of its connection. */
  | 'CONNECTION_NAME'
  /** By transformation name. */
  | 'NAME';

/** When a transformation runs. */
export type TriggerMode =
  /** Runs after its job succeeds. */
  | 'AFTER_JOB'
  /** Runs only when started by hand. */
  | 'NONE'
  /** Runs on its cron schedule. */
  | 'SCHEDULED'
  /** A mode this API does not know; see `triggerModeText`. */
  | 'UNKNOWN';

/** Changes to a connection. */
export type UpdateConnectionInput = {
  /** New string. */
  connectionString?: InputMaybe<Scalars['String']['input']>;
  /** Log verbosity. */
  verbosity?: InputMaybe<Scalars['Int']['input']>;
};

/** Changes to a job; fields left out stay as they are. */
export type UpdateJobInput = {
  /** Alter schema. */
  alterSchema?: InputMaybe<Scalars['Boolean']['input']>;
  /** Truncate. */
  autoTruncateStrings?: InputMaybe<Scalars['Boolean']['input']>;
  /** Rows per batch. */
  batchSize?: InputMaybe<Scalars['Int']['input']>;
  /** Schema override. */
  cacheSchema?: InputMaybe<Scalars['String']['input']>;
  /** Seconds. */
  commandTimeout?: InputMaybe<Scalars['Int']['input']>;
  /** Go on. */
  continueOnError?: InputMaybe<Scalars['Boolean']['input']>;
  /** Destination name. */
  destination?: InputMaybe<Scalars['String']['input']>;
  /** Drop destination tables before each run. */
  dropTable?: InputMaybe<Scalars['Boolean']['input']>;
  /** Only errors. */
  emailErrorOnly?: InputMaybe<Scalars['Boolean']['input']>;
  /** Subject. */
  notifyEmailSubject?: InputMaybe<Scalars['String']['input']>;
  /** Recipients. */
  notifyEmailTo?: InputMaybe<Scalars['String']['input']>;
  /** Event log. */
  notifyWindowsEvent?: InputMaybe<Scalars['Boolean']['input']>;
  /** Options. */
  otherCacheOptions?: InputMaybe<Scalars['String']['input']>;
  /** Post-job code. */
  postJob?: InputMaybe<Scalars['String']['input']>;
  /** Pre-job code. */
  preJob?: InputMaybe<Scalars['String']['input']>;
  /** Chunk size. */
  replicateInterval?: InputMaybe<Scalars['Int']['input']>;
  /** Unit. */
  replicateIntervalUnit?: InputMaybe<Scalars['String']['input']>;
  /** yyyy-MM-dd. */
  replicateStartDate?: InputMaybe<Scalars['String']['input']>;
  /** Run on the cron. */
  scheduled?: InputMaybe<Scalars['Boolean']['input']>;
  /** Cron, 5 fields (6 on servers with seconds). */
  scheduledCron?: InputMaybe<Scalars['String']['input']>;
  /** Email. */
  sendEmailNotification?: InputMaybe<Scalars['Boolean']['input']>;
  /** Skip deleted. */
  skipDeleted?: InputMaybe<Scalars['Boolean']['input']>;
  /** Source connection name. */
  source?: InputMaybe<Scalars['String']['input']>;
  /** Table prefix. */
  tableNamePrefix?: InputMaybe<Scalars['String']['input']>;
  /** Delete destination rows before each run. */
  truncateTableData?: InputMaybe<Scalars['Boolean']['input']>;
  /** Kind of job. */
  type?: InputMaybe<JobType>;
  /** GMT times. */
  useGmtDateTime?: InputMaybe<Scalars['Boolean']['input']>;
  /** 1 error … 4 verbose. */
  verbosity?: InputMaybe<Scalars['Int']['input']>;
};

/** Changes to a task. */
export type UpdateTaskInput = {
  /** Job the task belongs to. */
  jobName: Scalars['String']['input'];
  /** New query. */
  query?: InputMaybe<Scalars['String']['input']>;
  /** New table. */
  table?: InputMaybe<Scalars['String']['input']>;
  /** The task's id. */
  taskId: Scalars['ID']['input'];
};

/** Changes to a transformation; fields left out stay. */
export type UpdateTransformationInput = {
  /** Retry. */
  automaticJobRetry?: InputMaybe<Scalars['Boolean']['input']>;
  /** Seconds. */
  commandTimeout?: InputMaybe<Scalars['Int']['input']>;
  /** Connection the SQL runs on. */
  connectionName?: InputMaybe<Scalars['String']['input']>;
  /** dbt: target schema. */
  dbtSchema?: InputMaybe<Scalars['String']['input']>;
  /** Only errors. */
  emailErrorOnly?: InputMaybe<Scalars['Boolean']['input']>;
  /** dbt: Git repository of the project. */
  gitRepositoryUrl?: InputMaybe<Scalars['String']['input']>;
  /** dbt: Git access token (a secret: never shown back, never logged). */
  gitToken?: InputMaybe<Scalars['String']['input']>;
  /** Subject. */
  notifyEmailSubject?: InputMaybe<Scalars['String']['input']>;
  /** Recipients. */
  notifyEmailTo?: InputMaybe<Scalars['String']['input']>;
  /** dbt: project path. */
  projectPath?: InputMaybe<Scalars['String']['input']>;
  /** dbt: where the project lives, as Sync spells it. */
  projectType?: InputMaybe<Scalars['String']['input']>;
  /** SQL statements, run in order. */
  queries?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Cron. */
  scheduledCron?: InputMaybe<Scalars['String']['input']>;
  /** Email. */
  sendEmailNotification?: InputMaybe<Scalars['Boolean']['input']>;
  /** dbt: threads (1 or more). */
  threads?: InputMaybe<Scalars['Int']['input']>;
  /** Job after which it runs. */
  triggerAfterJobName?: InputMaybe<Scalars['String']['input']>;
  /** When it runs. */
  triggerMode?: InputMaybe<TriggerMode>;
  /** Task ids that trigger it, comma separated. */
  triggerTasks?: InputMaybe<Scalars['String']['input']>;
  /** Kind of transformation: `SQL`, `DBT` or `DBT-Cloud`. */
  type?: InputMaybe<Scalars['String']['input']>;
  /** Verbosity. */
  verbosity?: InputMaybe<Scalars['Int']['input']>;
};

/** Changes to a user. */
export type UpdateUserInput = {
  /** Enabled. */
  active?: InputMaybe<Scalars['Boolean']['input']>;
  /** Days until the auth token expires. */
  expiredIn?: InputMaybe<Scalars['Int']['input']>;
  /** New password. */
  password?: InputMaybe<Scalars['String']['input']>;
  /** New roles. */
  roles?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** Changes to a webhook; omitted fields stay as they are. */
export type UpdateWebhookInput = {
  /** Pause (false) or resume (true) deliveries. */
  active?: InputMaybe<Scalars['Boolean']['input']>;
  /** New events (at least one). */
  events?: InputMaybe<Array<WebhookEvent>>;
  /** A new body shape. */
  format?: InputMaybe<WebhookFormat>;
  /** New job filter; null for every job. */
  jobNames?: InputMaybe<Array<Scalars['String']['input']>>;
  /** A new secret; null stops signing. */
  secret?: InputMaybe<Scalars['String']['input']>;
  /** A new URL (checked as on create). */
  url?: InputMaybe<Scalars['String']['input']>;
};

/** A certificate to upload. */
export type UploadCertificateInput = {
  /** The certificate file (.cer/.pem/.der, or .pfx where the server reads it), base64-encoded. */
  data: Scalars['String']['input'];
  /** Name to store it under. */
  name: Scalars['String']['input'];
  /** Certificate store, as the server names it (e.g. `CurrentUser`). */
  storeType: Scalars['String']['input'];
};

/** Conditions on users; all given conditions must hold. */
export type UserFilter = {
  /** Active. */
  active?: InputMaybe<BooleanFilter>;
  /** All of these. */
  and?: InputMaybe<Array<UserFilter>>;
  /** Login name. */
  name?: InputMaybe<StringFilter>;
  /** Not this. */
  not?: InputMaybe<UserFilter>;
  /** Any of these. */
  or?: InputMaybe<Array<UserFilter>>;
  /** Roles text. */
  roles?: InputMaybe<StringFilter>;
};

/** Where a delivery stands. */
export type WebhookDeliveryState =
  /** The receiver answered 2xx. */
  | 'DELIVERED'
  /** Every allowed attempt failed; no more are made. */
  | 'FAILED'
  /** Waiting for its first or next attempt. */
  | 'PENDING';

/** What a webhook is called for. */
export type WebhookEvent =
  /** A job's status changed (e.g. RUNNING to SUCCESS). */
  | 'JOB_STATUS_CHANGED'
  /** A run ended; `outcome` says how (SUCCESS, FAILED, CANCELLED, WARNING). */
  | 'RUN_FINISHED';

/** Body shape: `JSON` (generic), `SLACK` or `TEAMS` incoming-webhook payloads. */
export type WebhookFormat =
  /** `{"event": kind, "data": {...}}`, for programs. */
  | 'JSON'
  /** A Slack incoming-webhook message (`text` and `blocks`). */
  | 'SLACK'
  /** A Microsoft Teams incoming-webhook message with an Adaptive Card. */
  | 'TEAMS';

export type BoardJobFragment = { __typename?: 'Job', id: string, name: string, sourceName: string | null, destinationName: string | null, scheduled: boolean | null, scheduledCron: string | null, nextRunAt: string | null, lastStatus: RunStatus, lastStatusText: string | null, health: { __typename?: 'JobHealth', verdict: HealthVerdict, findings: Array<{ __typename?: 'HealthFinding', message: string }> }, lastRun: { __typename?: 'JobRun', runId: string, status: RunStatus, runStartDate: string | null, runtimeMs: number | null, recordsAffected: number | null, details: string | null } | null };

export type BoardQueryVariables = Exact<{
  first: Scalars['Int']['input'];
  after: InputMaybe<Scalars['String']['input']>;
  filter: InputMaybe<JobFilter>;
  orderBy: InputMaybe<Array<JobOrder> | JobOrder>;
}>;


export type BoardQuery = { __typename?: 'Query', jobs: { __typename?: 'JobConnection', totalCount: number | null, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, edges: Array<{ __typename?: 'JobEdge', cursor: string, node: { __typename?: 'Job', id: string, name: string, sourceName: string | null, destinationName: string | null, scheduled: boolean | null, scheduledCron: string | null, nextRunAt: string | null, lastStatus: RunStatus, lastStatusText: string | null, health: { __typename?: 'JobHealth', verdict: HealthVerdict, findings: Array<{ __typename?: 'HealthFinding', message: string }> }, lastRun: { __typename?: 'JobRun', runId: string, status: RunStatus, runStartDate: string | null, runtimeMs: number | null, recordsAffected: number | null, details: string | null } | null } }> } };

export type JobDetailQueryVariables = Exact<{
  name: Scalars['String']['input'];
}>;


export type JobDetailQuery = { __typename?: 'Query', job: { __typename?: 'Job', id: string, name: string, sourceName: string | null, destinationName: string | null, scheduled: boolean | null, scheduledCron: string | null, nextRunAt: string | null, lastStatus: RunStatus, lastStatusText: string | null, tasks: Array<{ __typename?: 'Task', taskId: string, index: number | null, query: string | null, table: string | null }>, runSeries: Array<{ __typename?: 'RunPoint', runId: string | null, startedAt: string | null, status: RunStatus, runtimeMs: number | null, rows: number | null }>, health: { __typename?: 'JobHealth', verdict: HealthVerdict, findings: Array<{ __typename?: 'HealthFinding', message: string }> }, lastRun: { __typename?: 'JobRun', runId: string, status: RunStatus, runStartDate: string | null, runtimeMs: number | null, recordsAffected: number | null, details: string | null } | null } | null };

export type RunJobMutationVariables = Exact<{
  name: Scalars['String']['input'];
  dryRun: Scalars['Boolean']['input'];
}>;


export type RunJobMutation = { __typename?: 'Mutation', executeJob:
    | { __typename: 'ConflictError', message: string, errorCode: ErrorCode }
    | { __typename: 'ExecuteJobDryRun', jobName: string, wouldRun: boolean }
    | { __typename: 'ExecuteJobSuccess', jobName: string, status: RunStatus, runId: string | null }
    | { __typename: 'JobRunFailed', message: string, errorCode: ErrorCode }
    | { __typename: 'NotFoundError', message: string, errorCode: ErrorCode }
    | { __typename: 'PermissionError', message: string, errorCode: ErrorCode }
    | { __typename: 'ValidationError', message: string, errorCode: ErrorCode }
   };

export type CancelJobMutationVariables = Exact<{
  name: Scalars['String']['input'];
}>;


export type CancelJobMutation = { __typename?: 'Mutation', cancelJob:
    | { __typename: 'CancelJobSuccess', jobName: string, status: RunStatus, detail: string | null }
    | { __typename: 'ConflictError', message: string, errorCode: ErrorCode }
    | { __typename: 'NotFoundError', message: string, errorCode: ErrorCode }
    | { __typename: 'PermissionError', message: string, errorCode: ErrorCode }
    | { __typename: 'ValidationError', message: string, errorCode: ErrorCode }
   };

export type StatusChangesSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type StatusChangesSubscription = { __typename?: 'Subscription', jobStatusChanged: { __typename?: 'JobStatusChange', jobName: string, status: RunStatus, statusText: string | null, runId: string | null, detail: string | null, recordsAffected: number | null, runStartDate: string | null } };

export type ProgressSubscriptionVariables = Exact<{
  jobName: Scalars['String']['input'];
}>;


export type ProgressSubscription = { __typename?: 'Subscription', jobProgress: { __typename?: 'JobProgress', jobName: string, status: RunStatus, runId: string | null, detail: string | null, recordsAffected: number | null, finished: boolean, tasks: Array<{ __typename?: 'TaskProgress', query: string, status: RunStatus, detail: string | null, recordsAffected: number | null }> } };

export type LogTailSubscriptionVariables = Exact<{
  jobName: Scalars['String']['input'];
  after: InputMaybe<Scalars['String']['input']>;
}>;


export type LogTailSubscription = { __typename?: 'Subscription', jobLog: { __typename?: 'JobLogLines', jobName: string, runId: string | null, cursor: string, lines: Array<string> } };

export type RunsQueryVariables = Exact<{
  first: Scalars['Int']['input'];
  after: InputMaybe<Scalars['String']['input']>;
  filter: InputMaybe<JobRunFilter>;
  orderBy: InputMaybe<Array<JobRunOrder> | JobRunOrder>;
}>;


export type RunsQuery = { __typename?: 'Query', runs: { __typename?: 'JobRunConnection', totalCount: number | null, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, edges: Array<{ __typename?: 'JobRunEdge', cursor: string, node: { __typename?: 'JobRun', id: string, runId: string, jobName: string | null, status: RunStatus, statusText: string | null, runStartDate: string | null, runtimeMs: number | null, recordsAffected: number | null, details: string | null } }> } };

export type GraphNodePartsFragment = { __typename?: 'GraphNode', kind: GraphNodeKind, name: string };

export type JobGraphQueryVariables = Exact<{ [key: string]: never; }>;


export type JobGraphQuery = { __typename?: 'Query', jobGraph: { __typename?: 'JobGraph', nodes: Array<{ __typename?: 'GraphNode', kind: GraphNodeKind, name: string, job: { __typename?: 'Job', id: string, lastStatus: RunStatus } | null }>, edges: Array<{ __typename?: 'GraphEdge', kind: GraphEdgeKind, via: string | null, source: { __typename?: 'GraphNode', kind: GraphNodeKind, name: string }, target: { __typename?: 'GraphNode', kind: GraphNodeKind, name: string } }>, sharedTables: Array<{ __typename?: 'SharedTable', destination: string, table: string, jobs: Array<{ __typename?: 'GraphNode', kind: GraphNodeKind, name: string }> }>, cycles: Array<{ __typename?: 'GraphCycle', nodes: Array<{ __typename?: 'GraphNode', kind: GraphNodeKind, name: string }> }>, missingLinks: Array<{ __typename?: 'GraphEdge', kind: GraphEdgeKind, source: { __typename?: 'GraphNode', kind: GraphNodeKind, name: string }, target: { __typename?: 'GraphNode', kind: GraphNodeKind, name: string } }> } };

export type ConnectionRowFragment = { __typename?: 'ConnectionEntity', id: string, name: string, providerName: string | null, state: string | null, lastTested: string | null };

export type ConnectionsQueryVariables = Exact<{
  first: Scalars['Int']['input'];
  after: InputMaybe<Scalars['String']['input']>;
}>;


export type ConnectionsQuery = { __typename?: 'Query', connections: { __typename?: 'ConnectionEntityConnection', totalCount: number | null, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ __typename?: 'ConnectionEntity', id: string, name: string, providerName: string | null, state: string | null, lastTested: string | null }> } };

export type TestConnectionMutationVariables = Exact<{
  name: Scalars['String']['input'];
}>;


export type TestConnectionMutation = { __typename?: 'Mutation', testConnection:
    | { __typename: 'ConflictError', message: string, errorCode: ErrorCode }
    | { __typename: 'NotFoundError', message: string, errorCode: ErrorCode }
    | { __typename: 'PermissionError', message: string, errorCode: ErrorCode }
    | { __typename: 'TestConnectionSuccess', connectionName: string, success: boolean, status: RunStatus, detail: string | null, connection: { __typename?: 'ConnectionEntity', id: string, name: string, providerName: string | null, state: string | null, lastTested: string | null } | null }
    | { __typename: 'ValidationError', message: string, errorCode: ErrorCode }
   };

export type ConnectionTablesQueryVariables = Exact<{
  name: Scalars['String']['input'];
  first: Scalars['Int']['input'];
  offset: Scalars['Int']['input'];
}>;


export type ConnectionTablesQuery = { __typename?: 'Query', connection: { __typename?: 'ConnectionEntity', id: string, name: string, tables: Array<{ __typename?: 'ConnectionTable', name: string, schema: string | null, tableType: string | null }> } | null };

export type TableColumnsQueryVariables = Exact<{
  name: Scalars['String']['input'];
  offset: Scalars['Int']['input'];
}>;


export type TableColumnsQuery = { __typename?: 'Query', connection: { __typename?: 'ConnectionEntity', id: string, tables: Array<{ __typename?: 'ConnectionTable', name: string, schema: string | null, columns: Array<{ __typename?: 'ConnectionColumn', name: string | null, dataType: string | null, nullable: boolean | null, primaryKey: boolean | null, foreignKey: boolean | null, maxLength: number | null, precision: number | null, scale: number | null }> }> } | null };

export const BoardJobFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BoardJob"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Job"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"sourceName"}},{"kind":"Field","name":{"kind":"Name","value":"destinationName"}},{"kind":"Field","name":{"kind":"Name","value":"scheduled"}},{"kind":"Field","name":{"kind":"Name","value":"scheduledCron"}},{"kind":"Field","name":{"kind":"Name","value":"nextRunAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastStatus"}},{"kind":"Field","name":{"kind":"Name","value":"lastStatusText"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"verdict"}},{"kind":"Field","name":{"kind":"Name","value":"findings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"lastRun"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"runId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"runStartDate"}},{"kind":"Field","name":{"kind":"Name","value":"runtimeMs"}},{"kind":"Field","name":{"kind":"Name","value":"recordsAffected"}},{"kind":"Field","name":{"kind":"Name","value":"details"}}]}}]}}]} as unknown as DocumentNode<BoardJobFragment, unknown>;
export const GraphNodePartsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"GraphNodeParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"GraphNode"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]} as unknown as DocumentNode<GraphNodePartsFragment, unknown>;
export const ConnectionRowFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConnectionRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionEntity"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"providerName"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"lastTested"}}]}}]} as unknown as DocumentNode<ConnectionRowFragment, unknown>;
export const BoardDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Board"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"JobFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"JobOrder"}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BoardJob"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BoardJob"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Job"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"sourceName"}},{"kind":"Field","name":{"kind":"Name","value":"destinationName"}},{"kind":"Field","name":{"kind":"Name","value":"scheduled"}},{"kind":"Field","name":{"kind":"Name","value":"scheduledCron"}},{"kind":"Field","name":{"kind":"Name","value":"nextRunAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastStatus"}},{"kind":"Field","name":{"kind":"Name","value":"lastStatusText"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"verdict"}},{"kind":"Field","name":{"kind":"Name","value":"findings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"lastRun"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"runId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"runStartDate"}},{"kind":"Field","name":{"kind":"Name","value":"runtimeMs"}},{"kind":"Field","name":{"kind":"Name","value":"recordsAffected"}},{"kind":"Field","name":{"kind":"Name","value":"details"}}]}}]}}]} as unknown as DocumentNode<BoardQuery, BoardQueryVariables>;
export const JobDetailDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"JobDetail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"job"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"BoardJob"}},{"kind":"Field","name":{"kind":"Name","value":"tasks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"taskId"}},{"kind":"Field","name":{"kind":"Name","value":"index"}},{"kind":"Field","name":{"kind":"Name","value":"query"}},{"kind":"Field","name":{"kind":"Name","value":"table"}}]}},{"kind":"Field","name":{"kind":"Name","value":"runSeries"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"runId"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"runtimeMs"}},{"kind":"Field","name":{"kind":"Name","value":"rows"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BoardJob"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Job"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"sourceName"}},{"kind":"Field","name":{"kind":"Name","value":"destinationName"}},{"kind":"Field","name":{"kind":"Name","value":"scheduled"}},{"kind":"Field","name":{"kind":"Name","value":"scheduledCron"}},{"kind":"Field","name":{"kind":"Name","value":"nextRunAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastStatus"}},{"kind":"Field","name":{"kind":"Name","value":"lastStatusText"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"verdict"}},{"kind":"Field","name":{"kind":"Name","value":"findings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"lastRun"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"runId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"runStartDate"}},{"kind":"Field","name":{"kind":"Name","value":"runtimeMs"}},{"kind":"Field","name":{"kind":"Name","value":"recordsAffected"}},{"kind":"Field","name":{"kind":"Name","value":"details"}}]}}]}}]} as unknown as DocumentNode<JobDetailQuery, JobDetailQueryVariables>;
export const RunJobDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RunJob"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"dryRun"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"executeJob"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"dryRun"},"value":{"kind":"Variable","name":{"kind":"Name","value":"dryRun"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ExecuteJobSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobName"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"runId"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ExecuteJobDryRun"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobName"}},{"kind":"Field","name":{"kind":"Name","value":"wouldRun"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}}]}}]}}]}}]} as unknown as DocumentNode<RunJobMutation, RunJobMutationVariables>;
export const CancelJobDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CancelJob"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cancelJob"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CancelJobSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobName"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}}]}}]}}]}}]} as unknown as DocumentNode<CancelJobMutation, CancelJobMutationVariables>;
export const StatusChangesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"StatusChanges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobStatusChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobName"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusText"}},{"kind":"Field","name":{"kind":"Name","value":"runId"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}},{"kind":"Field","name":{"kind":"Name","value":"recordsAffected"}},{"kind":"Field","name":{"kind":"Name","value":"runStartDate"}}]}}]}}]} as unknown as DocumentNode<StatusChangesSubscription, StatusChangesSubscriptionVariables>;
export const ProgressDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"Progress"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"jobName"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobProgress"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"jobName"},"value":{"kind":"Variable","name":{"kind":"Name","value":"jobName"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobName"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"runId"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}},{"kind":"Field","name":{"kind":"Name","value":"recordsAffected"}},{"kind":"Field","name":{"kind":"Name","value":"finished"}},{"kind":"Field","name":{"kind":"Name","value":"tasks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"query"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}},{"kind":"Field","name":{"kind":"Name","value":"recordsAffected"}}]}}]}}]}}]} as unknown as DocumentNode<ProgressSubscription, ProgressSubscriptionVariables>;
export const LogTailDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"LogTail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"jobName"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobLog"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"jobName"},"value":{"kind":"Variable","name":{"kind":"Name","value":"jobName"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobName"}},{"kind":"Field","name":{"kind":"Name","value":"runId"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"lines"}}]}}]}}]} as unknown as DocumentNode<LogTailSubscription, LogTailSubscriptionVariables>;
export const RunsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Runs"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"JobRunFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"JobRunOrder"}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"runs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"runId"}},{"kind":"Field","name":{"kind":"Name","value":"jobName"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusText"}},{"kind":"Field","name":{"kind":"Name","value":"runStartDate"}},{"kind":"Field","name":{"kind":"Name","value":"runtimeMs"}},{"kind":"Field","name":{"kind":"Name","value":"recordsAffected"}},{"kind":"Field","name":{"kind":"Name","value":"details"}}]}}]}}]}}]}}]} as unknown as DocumentNode<RunsQuery, RunsQueryVariables>;
export const JobGraphDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"JobGraph"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobGraph"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GraphNodeParts"}},{"kind":"Field","name":{"kind":"Name","value":"job"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"lastStatus"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"via"}},{"kind":"Field","name":{"kind":"Name","value":"source"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GraphNodeParts"}}]}},{"kind":"Field","name":{"kind":"Name","value":"target"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GraphNodeParts"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"sharedTables"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"destination"}},{"kind":"Field","name":{"kind":"Name","value":"table"}},{"kind":"Field","name":{"kind":"Name","value":"jobs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GraphNodeParts"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"cycles"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GraphNodeParts"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"missingLinks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"source"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GraphNodeParts"}}]}},{"kind":"Field","name":{"kind":"Name","value":"target"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"GraphNodeParts"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"GraphNodeParts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"GraphNode"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]} as unknown as DocumentNode<JobGraphQuery, JobGraphQueryVariables>;
export const ConnectionsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Connections"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connections"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"ListValue","values":[{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"field"},"value":{"kind":"EnumValue","value":"NAME"}},{"kind":"ObjectField","name":{"kind":"Name","value":"direction"},"value":{"kind":"EnumValue","value":"ASC"}}]}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConnectionRow"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConnectionRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionEntity"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"providerName"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"lastTested"}}]}}]} as unknown as DocumentNode<ConnectionsQuery, ConnectionsQueryVariables>;
export const TestConnectionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"TestConnection"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"testConnection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TestConnectionSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connectionName"}},{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}},{"kind":"Field","name":{"kind":"Name","value":"connection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConnectionRow"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConnectionRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionEntity"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"providerName"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"lastTested"}}]}}]} as unknown as DocumentNode<TestConnectionMutation, TestConnectionMutationVariables>;
export const ConnectionTablesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConnectionTables"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"offset"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"tables"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"offset"},"value":{"kind":"Variable","name":{"kind":"Name","value":"offset"}}},{"kind":"Argument","name":{"kind":"Name","value":"includeSchema"},"value":{"kind":"BooleanValue","value":true}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"schema"}},{"kind":"Field","name":{"kind":"Name","value":"tableType"}}]}}]}}]}}]} as unknown as DocumentNode<ConnectionTablesQuery, ConnectionTablesQueryVariables>;
export const TableColumnsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TableColumns"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"offset"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connection"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"tables"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"1"}},{"kind":"Argument","name":{"kind":"Name","value":"offset"},"value":{"kind":"Variable","name":{"kind":"Name","value":"offset"}}},{"kind":"Argument","name":{"kind":"Name","value":"includeSchema"},"value":{"kind":"BooleanValue","value":true}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"schema"}},{"kind":"Field","name":{"kind":"Name","value":"columns"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"dataType"}},{"kind":"Field","name":{"kind":"Name","value":"nullable"}},{"kind":"Field","name":{"kind":"Name","value":"primaryKey"}},{"kind":"Field","name":{"kind":"Name","value":"foreignKey"}},{"kind":"Field","name":{"kind":"Name","value":"maxLength"}},{"kind":"Field","name":{"kind":"Name","value":"precision"}},{"kind":"Field","name":{"kind":"Name","value":"scale"}}]}}]}}]}}]}}]} as unknown as DocumentNode<TableColumnsQuery, TableColumnsQueryVariables>;