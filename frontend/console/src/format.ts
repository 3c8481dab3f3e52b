// Display helpers shared by the pages.
export function duration(ms: number | null | undefined): string {
  if (ms == null) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function rows(n: number | null | undefined): string {
  return n == null ? '—' : n.toLocaleString('en-US');
}

/** A short reading of a cron expression's next run; the gateway gives the cron, not the time. */
/** The next scheduled run (the API's `nextRunAt`), with its cron; or why there is none. */
export function nextRun(scheduled: boolean | null, cron: string | null, at: string | null): string {
  if (!scheduled || !cron) return 'not scheduled';
  return at ? `${when(at)} (cron ${cron})` : `cron ${cron} (unreadable)`;
}
