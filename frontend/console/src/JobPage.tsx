// One job: its tasks with live per-task progress, the run history (runtime and rows per run),
// the live log tail, and run / dry run / cancel with the mutation's typed result shown as such.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { ErrorBox } from './Board';
import { duration, rows, when } from './format';
import { CancelJobDocument, JobDetailDocument, RunJobDocument } from './generated/graphql';
import { RunChart } from './RunChart';
import { useLogTail, useProgress, useStatusChanges } from './live';
import { follow, href } from './router';
import { StatusBadge } from './StatusBadge';

const ACTIVE = new Set(['RUNNING', 'QUEUED']);

export function JobPage({ name, back }: { name: string; back: () => void }) {
  const [{ data, error }, refetch] = useQuery({ query: JobDetailDocument, variables: { name } });
  const changes = useStatusChanges();
  const change = changes.get(name);
  const job = data?.job;
  const status = change?.status ?? job?.lastStatus ?? 'UNKNOWN';
  const running = useMemo(
    () => (ACTIVE.has(status) ? new Map([[name, change?.runId ?? 'run']]) : new Map<string, string>()),
    [name, status, change?.runId],
  );
  const live = useProgress(running).get(name);
  // A run ended: ask again, so that its history (runtime and rows per run) shows it.
  const wasActive = useRef(false);
  useEffect(() => {
    const active = ACTIVE.has(status);
    if (wasActive.current && !active) refetch({ requestPolicy: 'network-only' });
    wasActive.current = active;
  }, [status, refetch]);
  const log = useLogTail(name);
  const [runResult, run] = useMutation(RunJobDocument);
  const [cancelResult, cancel] = useMutation(CancelJobDocument);
  const [outcome, setOutcome] = useState<string | null>(null);

  if (error) return <ErrorBox error={error} />;
  if (!data) return <p>Loading {name}…</p>;
  if (!job) return <p role="alert">There is no job named {name}.</p>;

  const act = async (kind: 'run' | 'dry' | 'cancel') => {
    if (kind === 'cancel') {
      const result = await cancel({ name });
      const payload = result.data?.cancelJob;
      if (payload?.__typename === 'CancelJobSuccess') setOutcome(`Cancelled: ${payload.status}`);
      else if (payload && 'message' in payload) setOutcome(`${payload.__typename} (${payload.errorCode}): ${payload.message}`);
      return;
    }
    const result = await run({ name, dryRun: kind === 'dry' });
    const payload = result.data?.executeJob;
    if (!payload) return;
    if (payload.__typename === 'ExecuteJobSuccess') setOutcome(`Started: ${payload.status}`);
    else if (payload.__typename === 'ExecuteJobDryRun') setOutcome(`Dry run: ${payload.wouldRun ? 'the job would run' : 'the job would not run'}`);
    else if ('message' in payload) setOutcome(`${payload.__typename} (${payload.errorCode}): ${payload.message}`);
  };
  // Progress speaks only while the status stream says the job runs: a progress stream cut by a
  // reconnect can leave its last RUNNING event behind after the run's end has arrived.
  const progressing = ACTIVE.has(status) && live && !live.finished ? live : null;
  const liveTasks = progressing ? progressing.tasks : [];

  return (
    <section aria-labelledby="job-title">
      <p>
        <a href={href({ page: 'board' })} onClick={(e) => follow(e, back)}>← All jobs</a>
      </p>
      <h1 id="job-title">{job.name}</h1>
      <p>
        Status <StatusBadge status={progressing ? progressing.status : status} /> · rows{' '}
        <span data-col="rows">{rows(ACTIVE.has(status) ? (live?.recordsAffected ?? 0) : (change?.recordsAffected ?? job.lastRun?.recordsAffected))}</span>
        {' '}· health {job.health.verdict}
      </p>
      <div className="toolbar">
        <button type="button" onClick={() => act('run')} disabled={runResult.fetching}>Run</button>
        <button type="button" onClick={() => act('dry')} disabled={runResult.fetching}>Dry run</button>
        <button type="button" onClick={() => act('cancel')} disabled={cancelResult.fetching || !ACTIVE.has(status)}>Cancel</button>
        <span role="status" data-col="outcome">{outcome}</span>
      </div>
      {(runResult.error || cancelResult.error) && <ErrorBox error={(runResult.error ?? cancelResult.error)!} />}
      <h2>Tasks</h2>
      <table>
        <thead><tr><th scope="col">#</th><th scope="col">Query</th><th scope="col">Live status</th><th scope="col">Rows</th></tr></thead>
        <tbody>
          {job.tasks.map((task) => {
            const t = liveTasks.find((x) => x.query === task.query);
            return (
              <tr key={task.taskId}>
                <td>{task.index}</td>
                <td><code>{task.query}</code></td>
                <td>{t ? <StatusBadge status={t.status} /> : '—'}</td>
                <td className="num">{rows(t?.recordsAffected)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>Run history</h2>
      <RunChart runs={job.runSeries} />
      <h2 id="log-title">Log</h2>
      <pre className="log" aria-labelledby="log-title" tabIndex={0} data-col="log">{log.lines.join('\n')}</pre>
    </section>
  );
}
