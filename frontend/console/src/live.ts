// Every subscription of the console lives here, so that it can switch to the gateway's
// all-jobs progress stream when that exists. Today: one jobStatusChanged for the board, plus
// one jobProgress per running job, reopened for each run (a jobProgress stream ends with its run).
import { useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import type { Resume } from './client';
import {
  LogTailDocument,
  ProgressDocument,
  StatusChangesDocument,
  type LogTailSubscription,
  type ProgressSubscription,
  type StatusChangesSubscription,
} from './generated/graphql';

export type StatusChange = StatusChangesSubscription['jobStatusChanged'];
export type Progress = ProgressSubscription['jobProgress'];

/** The latest status change per job name, from one jobStatusChanged subscription. */
export function useStatusChanges(): Map<string, StatusChange> {
  const client = useClient();
  const [changes, setChanges] = useState(() => new Map<string, StatusChange>());
  useEffect(() => {
    const { unsubscribe } = client.subscription(StatusChangesDocument, {}).subscribe((result) => {
      const change = result.data?.jobStatusChanged;
      if (!change) return;
      setChanges((old) => new Map(old).set(change.jobName, change));
    });
    return unsubscribe;
  }, [client]);
  return changes;
}

/**
 * Live progress of the given running jobs: one jobProgress each, opened while the job runs and
 * closed when it stops (or leaves the list). `runKey` changes per run so a new run reopens it.
 */
export function useProgress(running: ReadonlyMap<string, string>): Map<string, Progress> {
  const client = useClient();
  const [progress, setProgress] = useState(() => new Map<string, Progress>());
  const open = useRef(new Map<string, { key: string; stop: () => void }>());
  useEffect(() => {
    for (const [name, sub] of open.current) {
      if (running.get(name) !== sub.key) {
        sub.stop();
        open.current.delete(name);
      }
    }
    for (const [name, key] of running) {
      if (open.current.has(name)) continue;
      const { unsubscribe } = client
        .subscription(ProgressDocument, { jobName: name })
        .subscribe((result) => {
          const event = result.data?.jobProgress;
          if (event) setProgress((old) => new Map(old).set(name, event));
        });
      open.current.set(name, { key, stop: unsubscribe });
    }
  }, [client, running]);
  useEffect(
    () => () => {
      for (const sub of open.current.values()) sub.stop();
      open.current.clear();
    },
    [],
  );
  return progress;
}

export interface LogTail {
  lines: string[];
  cursor: string | null;
}

/**
 * The live log of one job. Two ways a stream can break, both resumed from the last cursor, so
 * no line is shown twice and none is lost: the socket drops and graphql-ws reconnects and
 * resends the subscription (client.ts patches its `after` to the last cursor: `resume`), or the
 * stream errors and is reopened here with `after` set to the last cursor.
 */
export function useLogTail(jobName: string): LogTail {
  const client = useClient();
  const [tail, setTail] = useState<LogTail>({ lines: [], cursor: null });
  const cursor = useRef<string | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let stopped = false;
    const resume: Resume = (data) => {
      const next = (data as LogTailSubscription).jobLog?.cursor;
      return next ? { after: next } : null;
    };
    const { unsubscribe } = client
      .subscription(LogTailDocument, { jobName, after: cursor.current }, { resume })
      .subscribe((result) => {
        if (result.error && !stopped) {
          // The stream broke with an error: reopen it from the last cursor.
          window.setTimeout(() => setGeneration((g) => g + 1), 1000);
          return;
        }
        const chunk = result.data?.jobLog;
        if (!chunk) return;
        cursor.current = chunk.cursor;
        setTail((old) => ({ lines: [...old.lines, ...chunk.lines].slice(-500), cursor: chunk.cursor }));
      });
    return () => {
      stopped = true;
      unsubscribe();
    };
  }, [client, jobName, generation]);
  return tail;
}
