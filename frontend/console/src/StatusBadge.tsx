import type { RunStatus } from './generated/graphql';

export function StatusBadge({ status }: { status: RunStatus | string }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}
