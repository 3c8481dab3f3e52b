// The jobs board: every job with its live status, rows so far, last run and health; sortable,
// filterable and paged through the API's cursors. It moves by itself: jobStatusChanged marks
// runs starting and ending, and one jobProgress per running job counts the rows (live.ts).
import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { duration, nextRun, rows, when } from './format';
import {
  BoardDocument,
  type BoardJobFragment,
  type JobOrderField,
  type SortDirection,
} from './generated/graphql';
import { useProgress, useStatusChanges } from './live';
import { follow, href } from './router';
import { StatusBadge } from './StatusBadge';

const PAGE = 25;
const ACTIVE = new Set(['RUNNING', 'QUEUED']);

export function Board({ open }: { open: (job: string) => void }) {
  const [filter, setFilter] = useState('');
  const [field, setField] = useState<JobOrderField>('NAME');
  const [direction, setDirection] = useState<SortDirection>('ASC');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const [{ data, error, fetching }, refetch] = useQuery({
    query: BoardDocument,
    variables: {
      first: PAGE,
      after,
      filter: filter ? { name: { contains: filter } } : null,
      orderBy: [{ field, direction }],
    },
  });
  const changes = useStatusChanges();
  const jobs = data?.jobs.edges.map((e) => e.node) ?? [];
  const running = useMemo(() => {
    const map = new Map<string, string>();
    for (const job of jobs) {
      const change = changes.get(job.name);
      const status = change?.status ?? job.lastStatus;
      if (ACTIVE.has(status)) map.set(job.name, change?.runId ?? job.lastRun?.runId ?? 'run');
    }
    return map;
  }, [jobs, changes]);
  const progress = useProgress(running);

  const sortBy = (next: JobOrderField) => {
    if (next === field) setDirection(direction === 'ASC' ? 'DESC' : 'ASC');
    else {
      setField(next);
      setDirection('ASC');
    }
    setCursors([null]);
  };
  const header = (label: string, key: JobOrderField) => (
    <th scope="col" aria-sort={field === key ? (direction === 'ASC' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort" onClick={() => sortBy(key)}>
        {label} {field === key ? (direction === 'ASC' ? '▲' : '▼') : ''}
      </button>
    </th>
  );

  return (
    <section aria-labelledby="board-title">
      <h1 id="board-title">Jobs</h1>
      <div className="toolbar">
        <label htmlFor="job-filter">Filter by name</label>
        <input
          id="job-filter"
          type="search"
          value={filter}
          onChange={(e) => {
            setFilter(e.target.value);
            setCursors([null]);
          }}
        />
        <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          Refresh
        </button>
        <span aria-live="polite">{data ? `${data.jobs.totalCount ?? jobs.length} jobs` : ''}</span>
      </div>
      {error && <ErrorBox error={error} />}
      {fetching && !data && <p>Loading jobs…</p>}
      <table className="board">
        <thead>
          <tr>
            {header('Job', 'NAME')}
            {header('Status', 'LAST_STATUS')}
            <th scope="col">Rows</th>
            <th scope="col">Last run</th>
            <th scope="col">Duration</th>
            <th scope="col">Next run</th>
            <th scope="col">Health</th>
            {header('Source', 'SOURCE')}
            {header('Destination', 'DESTINATION')}
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <Row key={job.id} job={job} change={changes.get(job.name)} live={progress.get(job.name)} open={open} />
          ))}
        </tbody>
      </table>
      <nav className="pager" aria-label="Pages of jobs">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <button
          type="button"
          disabled={!data?.jobs.pageInfo.hasNextPage}
          onClick={() => setCursors([...cursors, data?.jobs.pageInfo.endCursor ?? null])}
        >
          Next page
        </button>
      </nav>
    </section>
  );
}

interface RowProps {
  job: BoardJobFragment;
  change: ReturnType<typeof useStatusChanges> extends Map<string, infer C> ? C | undefined : never;
  live: ReturnType<typeof useProgress> extends Map<string, infer P> ? P | undefined : never;
  open: (job: string) => void;
}

function Row({ job, change, live, open }: RowProps) {
  // The freshest of: the live progress of this run, the last status change, the query's row.
  // Status, rows and detail always come from the same one, or a row can pair one run state's
  // status with another's detail (a replayed FAILED with the RUNNING change's "Job started.").
  const liveCurrent = live && (!change || live.runId === change.runId) ? live : undefined;
  // Within one run an ended state is newer than a running one; between two running ones the
  // progress stream is (it polls per task). A progress event is not "running" by `finished`
  // alone: the stream's replayed first state of an idle job is not finished either.
  const liveWins =
    liveCurrent !== undefined && (!change || !ACTIVE.has(liveCurrent.status) || ACTIVE.has(change.status));
  const status = liveWins ? liveCurrent.status : (change?.status ?? job.lastStatus);
  const fresh = liveWins ? liveCurrent : change;
  const count = fresh?.recordsAffected ?? (ACTIVE.has(status) ? 0 : job.lastRun?.recordsAffected);
  const detail = fresh ? fresh.detail : (job.lastRun?.details ?? null);
  return (
    <tr data-job={job.name}>
      <th scope="row">
        <a
          href={href({ page: 'job', name: job.name })}
          onClick={(e) => follow(e, () => open(job.name))}
        >
          {job.name}
        </a>
      </th>
      <td data-col="status">
        <StatusBadge status={status} />
        {status === 'FAILED' && detail && <div className="detail" data-col="error">{detail}</div>}
      </td>
      <td data-col="rows" className="num">{rows(count)}</td>
      <td>{when(change?.runStartDate ?? job.lastRun?.runStartDate)}</td>
      <td className="num">{duration(job.lastRun?.runtimeMs)}</td>
      <td data-col="next-run">{nextRun(job.scheduled, job.scheduledCron, job.nextRunAt)}</td>
      <td data-col="health">
        <span className={`verdict verdict-${job.health.verdict.toLowerCase()}`} title={job.health.findings.map((f) => f.message).join('\n')}>
          {job.health.verdict}
        </span>
      </td>
      <td>{job.sourceName ?? '—'}</td>
      <td>{job.destinationName ?? '—'}</td>
    </tr>
  );
}

export function ErrorBox({ error }: { error: { message: string; response?: unknown; graphQLErrors?: { extensions?: Record<string, unknown> }[] } }) {
  const response = error.response as { status?: number } | undefined;
  const status = response?.status;
  const code = error.graphQLErrors?.[0]?.extensions?.code;
  let title = 'The request failed';
  if (status === 401 || code === 'UNAUTHENTICATED') title = '401 Unauthorized: Sync refused these credentials';
  else if (status === 403 || code === 'FORBIDDEN') title = '403 Forbidden: these credentials may not do this';
  return (
    <div role="alert" className="error">
      <strong>{title}</strong>
      <div>{error.message}</div>
    </div>
  );
}
