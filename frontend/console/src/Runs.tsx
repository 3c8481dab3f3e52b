// The run history across jobs: the root `runs` connection, filtered by job name and status and
// sorted through the API, paged with its cursors. Rows move by themselves: a jobStatusChanged
// event (a run starting or ending) asks for the page again.
import { useEffect, useRef, useState } from 'react';
import { useQuery } from 'urql';
import { ErrorBox } from './Board';
import { duration, rows, when } from './format';
import {
  RunsDocument,
  type JobRunFilter,
  type JobRunOrderField,
  type RunStatus,
  type SortDirection,
} from './generated/graphql';
import { useStatusChanges } from './live';
import { follow, href } from './router';
import { StatusBadge } from './StatusBadge';

const PAGE_SIZES = [10, 25, 50, 100];
const STATUSES: RunStatus[] = ['QUEUED', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED', 'WARNING', 'UNKNOWN'];
const PROBLEMS = new Set(['FAILED', 'CANCELLED', 'WARNING', 'UNKNOWN']);

/** `value`, once it has stopped changing for `ms` (one request per pause in typing). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function Runs({ open }: { open: (job: string) => void }) {
  const [jobName, setJobName] = useState('');
  const [status, setStatus] = useState<RunStatus | ''>('');
  const [field, setField] = useState<JobRunOrderField>('RUN_START_DATE');
  const [direction, setDirection] = useState<SortDirection>('DESC');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [pageSize, setPageSize] = useState(25);
  const name = useSettled(jobName.trim(), 250);
  const after = cursors[cursors.length - 1] ?? null;
  const filter: JobRunFilter | null =
    name || status
      ? { ...(name ? { jobName: { contains: name } } : {}), ...(status ? { status: { eq: status } } : {}) }
      : null;
  const [{ data, error, fetching }, refetch] = useQuery({
    query: RunsDocument,
    variables: { first: pageSize, after, filter, orderBy: [{ field, direction }] },
  });

  // A run started or ended somewhere: ask again, at most once a second.
  const changes = useStatusChanges();
  const again = useRef(refetch);
  again.current = refetch;
  const seen = useRef(changes);
  useEffect(() => {
    if (seen.current === changes) return;
    seen.current = changes;
    const timer = window.setTimeout(() => again.current({ requestPolicy: 'network-only' }), 1000);
    return () => window.clearTimeout(timer);
  }, [changes]);

  const runs = data?.runs.edges.map((e) => e.node) ?? [];
  const sortBy = (next: JobRunOrderField) => {
    if (next === field) setDirection(direction === 'ASC' ? 'DESC' : 'ASC');
    else {
      setField(next);
      setDirection(next === 'JOB_NAME' || next === 'STATUS' ? 'ASC' : 'DESC');
    }
    setCursors([null]);
  };
  const header = (label: string, key: JobRunOrderField, className?: string) => (
    <th scope="col" className={className} aria-sort={field === key ? (direction === 'ASC' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort" onClick={() => sortBy(key)}>
        {label} {field === key ? (direction === 'ASC' ? '▲' : '▼') : ''}
      </button>
    </th>
  );

  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <form className="toolbar" role="search" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor="run-job-filter">Job name contains</label>
        <input
          id="run-job-filter"
          type="search"
          value={jobName}
          onChange={(e) => {
            setJobName(e.target.value);
            setCursors([null]);
          }}
        />
        <label htmlFor="run-status-filter">Status</label>
        <select
          id="run-status-filter"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value as RunStatus | '');
            setCursors([null]);
          }}
        >
          <option value="">Any status</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>{s}</option>
          ))}
        </select>
        <label htmlFor="run-page-size">Runs per page</label>
        <select
          id="run-page-size"
          value={pageSize}
          onChange={(e) => {
            setPageSize(Number(e.target.value));
            setCursors([null]);
          }}
        >
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>{n}</option>
          ))}
        </select>
        <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          Refresh
        </button>
        <span aria-live="polite" data-col="count">
          {data ? `${data.runs.totalCount ?? runs.length} runs` : ''}
        </span>
      </form>
      {error && <ErrorBox error={error} />}
      {fetching && !data && <p>Loading runs…</p>}
      <table className="runs">
        <caption className="visually-hidden">Runs of every job, {field === 'RUN_START_DATE' && direction === 'DESC' ? 'newest first' : 'sorted as the column headers show'}</caption>
        <thead>
          <tr>
            {header('Job', 'JOB_NAME')}
            {header('Status', 'STATUS')}
            {header('Started', 'RUN_START_DATE')}
            {header('Duration', 'RUNTIME', 'num')}
            {header('Rows', 'RECORDS_AFFECTED', 'num')}
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id} data-run={run.runId} data-job={run.jobName ?? ''}>
              <th scope="row">
                {run.jobName ? (
                  <a href={href({ page: 'job', name: run.jobName })} onClick={(e) => follow(e, () => open(run.jobName!))}>
                    {run.jobName}
                  </a>
                ) : (
                  '—'
                )}
              </th>
              <td data-col="status"><StatusBadge status={run.status} /></td>
              <td>{when(run.runStartDate)}</td>
              <td className="num">{duration(run.runtimeMs)}</td>
              <td className="num" data-col="rows">{rows(run.recordsAffected)}</td>
              <td data-col="details" className={PROBLEMS.has(run.status) ? 'detail' : undefined}>
                {run.details ?? (run.statusText && run.statusText !== run.status ? run.statusText : '')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && runs.length === 0 && <p>No run matches.</p>}
      <nav className="pager" aria-label="Pages of runs">
        <span data-col="page">Page {cursors.length}</span>
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <button
          type="button"
          disabled={!data?.runs.pageInfo.hasNextPage}
          onClick={() => setCursors([...cursors, data?.runs.pageInfo.endCursor ?? null])}
        >
          Next page
        </button>
      </nav>
    </section>
  );
}
