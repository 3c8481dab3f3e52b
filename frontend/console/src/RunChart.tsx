// The run history of a job as a chart: runtime and rows per run, oldest first, on two axes.
// Drawn by uPlot (about 50 kB, no dependencies, actively kept, fast on thousands of points);
// a canvas says nothing to a screen reader, so the same numbers follow as a table.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { duration, rows, when } from './format';

export interface RunPoint {
  runId?: string | null;
  startedAt?: string | null;
  status: string;
  runtimeMs?: number | null;
  rows?: number | null;
}

const RUNTIME = '#0b4f9c';
const ROWS = '#1d6b31';

export function RunChart({ runs }: { runs: readonly RunPoint[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element || runs.length === 0) return;
    const data: uPlot.AlignedData = [
      runs.map((_, i) => i + 1),
      runs.map((r) => (r.runtimeMs ?? null) as number | null),
      runs.map((r) => (r.rows ?? null) as number | null),
    ];
    const options: uPlot.Options = {
      width: Math.max(320, Math.min(element.clientWidth || 768, 768)),
      height: 180,
      scales: { x: { time: false }, ms: {}, rows: {} },
      axes: [
        { label: 'run', values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) },
        { scale: 'ms', label: 'runtime (ms)', stroke: RUNTIME },
        { scale: 'rows', label: 'rows', side: 1, stroke: ROWS, grid: { show: false } },
      ],
      series: [
        { label: 'run' },
        { label: 'runtime', scale: 'ms', stroke: RUNTIME, width: 2, points: { show: true, size: 6 }, value: (_u, v) => duration(v) },
        { label: 'rows', scale: 'rows', stroke: ROWS, width: 2, points: { show: true, size: 6 }, value: (_u, v) => rows(v) },
      ],
    };
    const chart = new uPlot(options, data, element);
    return () => chart.destroy();
  }, [runs]);

  if (runs.length === 0) return <p>No run yet.</p>;
  return (
    <figure>
      <div ref={box} className="chart" data-col="chart" data-runs={runs.length} aria-hidden="true" />
      <figcaption>Runtime (blue, left axis) and rows (green, right axis) of the last {runs.length} runs, oldest first.</figcaption>
      <details>
        <summary>The runs as a table</summary>
        <table>
          <thead><tr><th scope="col">#</th><th scope="col">Started</th><th scope="col">Status</th><th scope="col">Runtime</th><th scope="col">Rows</th></tr></thead>
          <tbody>
            {runs.map((r, i) => (
              <tr key={r.runId ?? i}>
                <td>{i + 1}</td>
                <td>{when(r.startedAt)}</td>
                <td>{r.status}</td>
                <td className="num">{duration(r.runtimeMs)}</td>
                <td className="num">{rows(r.rows)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
