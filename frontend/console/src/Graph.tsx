// The dependency graph of the workspace (the root `jobGraph` field): jobs, transformations and
// missing targets as boxes, what chains them as arrows, shared destination tables as their own
// small nodes joined to each writer (k writers: k lines, not k² edges), cycles in red. Job boxes
// are links to the job pages (Tab reaches them, Enter opens them); below the drawing the same
// graph is written out as lists, the text alternative for screen readers and for copying.
//
// Layout: @dagrejs/dagre, pinned exactly in package.json. It is the maintained home of dagre
// (the layered "Sugiyama" layout behind Mermaid's flowcharts and many DAG viewers): small (no
// dependency but its own graphlib), synchronous, no DOM or web worker, MIT, typed. The
// alternatives were heavier for a few dozen nodes: elkjs is a 1.4 MB transpiled Java engine
// with an asynchronous API, and d3-dag/cytoscape bring a rendering model of their own, where
// here React draws the SVG and dagre only says where things go.
import dagre from '@dagrejs/dagre';
import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { ErrorBox } from './Board';
import {
  JobGraphDocument,
  type GraphEdgeKind,
  type GraphNodeKind,
  type JobGraphQuery,
} from './generated/graphql';
import { follow, href } from './router';

type GraphData = JobGraphQuery['jobGraph'];
type Kind = GraphNodeKind | 'TABLE';

interface Box {
  id: string;
  name: string;
  kind: Kind;
  status: string | null;
  x: number;
  y: number;
  width: number;
  height: number;
  inCycle: boolean;
}

interface Line {
  id: string;
  kind: GraphEdgeKind;
  source: string;
  target: string;
  via: string | null;
  points: { x: number; y: number }[];
  inCycle: boolean;
  missing: boolean;
}

interface Drawing {
  width: number;
  height: number;
  boxes: Box[];
  lines: Line[];
  /** Where the row of unconnected nodes starts (null: there is none). */
  aloneTop: number | null;
}

const EDGE_LABEL: Record<GraphEdgeKind, string> = {
  AFTER_JOB: 'runs after the job',
  TRIGGER_TASKS: 'runs after tasks of',
  POST_JOB_EVENT: 'post-job event starts',
  SHARED_TABLE: 'writes the shared table',
};
const KIND_LABEL: Record<Kind, string> = {
  JOB: 'job',
  TRANSFORMATION: 'transformation',
  MISSING: 'missing',
  TABLE: 'shared table',
};

// The fonts of .node-name and .node-kind (styles.css), to size the boxes to their text.
const NAME_FONT = '600 14px system-ui, sans-serif';
const KIND_FONT = '12px system-ui, sans-serif';
let measure: CanvasRenderingContext2D | null | undefined;
function textWidth(text: string, font: string): number {
  if (measure === undefined) measure = document.createElement('canvas').getContext('2d');
  if (!measure) return text.length * (font === NAME_FONT ? 8.5 : 7);
  measure.font = font;
  return measure.measureText(text).width;
}
const kindLine = (kind: Kind, status: string | null) => `${KIND_LABEL[kind]}${status ? ` · ${status}` : ''}`;
const HEIGHT = 44;
const GAP = 16;

const edgeKey = (kind: string, source: string, target: string) => `${kind}\u0000${source}\u0000${target}`;
const tableId = (destination: string, table: string) => `table:${destination}\u0000${table}`;

/**
 * Where dagre puts every node and edge of the graph (left to right, in layers). Nodes with no
 * line at all are left out of the layout (dagre would stack them in one tall column) and set
 * in rows below it instead.
 */
export function layoutGraph(graph: GraphData, showTables: boolean): Drawing {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 90, edgesep: 16, marginx: GAP, marginy: GAP });
  g.setDefaultEdgeLabel(() => ({}));
  const cycleNodes = new Set(graph.cycles.flatMap((c) => c.nodes.map((n) => n.name)));
  const cycleEdges = new Set<string>();
  for (const cycle of graph.cycles) {
    const names = cycle.nodes.map((n) => n.name);
    names.forEach((name, i) => cycleEdges.add(`${name}\u0000${names[(i + 1) % names.length]}`));
  }
  const boxes = new Map<string, Omit<Box, 'x' | 'y'>>();
  const addNode = (id: string, name: string, kind: Kind, status: string | null) => {
    if (boxes.has(id)) return;
    const width = Math.ceil(Math.max(textWidth(name, NAME_FONT), textWidth(kindLine(kind, status), KIND_FONT))) + 28;
    boxes.set(id, { id, name, kind, status, width, height: HEIGHT, inCycle: kind !== 'TABLE' && cycleNodes.has(name) });
  };
  for (const node of graph.nodes) addNode(node.name, node.name, node.kind, node.job?.lastStatus ?? null);
  const edges = new Map<string, Omit<Line, 'points'>>();
  const missing = new Set(graph.missingLinks.map((e) => edgeKey(e.kind, e.source.name, e.target.name)));
  for (const edge of [...graph.edges, ...graph.missingLinks]) {
    const id = edgeKey(edge.kind, edge.source.name, edge.target.name);
    if (edges.has(id)) continue;
    addNode(edge.source.name, edge.source.name, edge.source.kind, null);
    addNode(edge.target.name, edge.target.name, edge.target.kind, null);
    const inCycle = cycleEdges.has(`${edge.source.name}\u0000${edge.target.name}`);
    edges.set(id, {
      id,
      kind: edge.kind,
      source: edge.source.name,
      target: edge.target.name,
      via: (edge as { via?: string | null }).via ?? null,
      inCycle,
      missing: missing.has(id),
    });
  }
  if (showTables) {
    for (const shared of graph.sharedTables) {
      const id = tableId(shared.destination, shared.table);
      addNode(id, `${shared.destination}.${shared.table}`, 'TABLE', null);
      for (const writer of shared.jobs) {
        addNode(writer.name, writer.name, writer.kind, null);
        const key = edgeKey('SHARED_TABLE', writer.name, id);
        edges.set(key, { id: key, kind: 'SHARED_TABLE', source: writer.name, target: id, via: shared.table, inCycle: false, missing: false });
      }
    }
  }
  const linked = new Set([...edges.values()].flatMap((e) => [e.source, e.target]));
  for (const box of boxes.values()) if (linked.has(box.id)) g.setNode(box.id, { width: box.width, height: box.height });
  for (const edge of edges.values()) g.setEdge(edge.source, edge.target, { minlen: 1, weight: edge.kind === 'SHARED_TABLE' ? 1 : 2 }, edge.id);
  const placed: Box[] = [];
  let width = 0;
  let height = 0;
  if (linked.size > 0) {
    dagre.layout(g);
    for (const box of boxes.values()) {
      if (!linked.has(box.id)) continue;
      const at = g.node(box.id) as { x: number; y: number };
      placed.push({ ...box, x: at.x, y: at.y });
    }
    const size = g.graph() as { width?: number; height?: number };
    width = size.width ?? 0;
    height = size.height ?? 0;
  }
  const lines: Line[] = [...edges.values()].map((edge) => {
    const label = g.edge({ v: edge.source, w: edge.target, name: edge.id }) as { points?: { x: number; y: number }[] };
    return { ...edge, points: label.points ?? [] };
  });
  // The unconnected nodes, in rows as wide as the layout (at least 960 px), under a label.
  const alone = [...boxes.values()].filter((box) => !linked.has(box.id));
  let aloneTop: number | null = null;
  if (alone.length > 0) {
    aloneTop = height + (height > 0 ? 8 : GAP);
    const rowWidth = Math.max(width, 960);
    let x = GAP;
    let y = aloneTop + 20;
    for (const box of alone) {
      if (x > GAP && x + box.width > rowWidth - GAP) {
        x = GAP;
        y += HEIGHT + GAP;
      }
      placed.push({ ...box, x: x + box.width / 2, y: y + HEIGHT / 2 });
      x += box.width + GAP;
      width = Math.max(width, x);
    }
    height = y + HEIGHT + GAP;
  }
  return { width: Math.max(width, 200), height: Math.max(height, 80), boxes: placed, lines, aloneTop };
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** A smooth path through dagre's points: straight ends, quadratic bends in between. */
function path(points: { x: number; y: number }[]): string {
  if (points.length === 0) return '';
  const [first, ...rest] = points;
  let d = `M${first!.x},${first!.y}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i]!;
    const q = rest[i + 1]!;
    d += ` Q${p.x},${p.y} ${(p.x + q.x) / 2},${(p.y + q.y) / 2}`;
  }
  const last = rest[rest.length - 1];
  if (last) d += ` L${last.x},${last.y}`;
  return d;
}

export function Graph({ open }: { open: (job: string) => void }) {
  const [{ data, error, fetching }, refetch] = useQuery({ query: JobGraphDocument });
  const [showTables, setShowTables] = useState(true);
  const graph = data?.jobGraph;
  const drawing = useMemo(() => (graph ? layoutGraph(graph, showTables) : null), [graph, showTables]);
  if (error) return <ErrorBox error={error} />;
  if (!graph || !drawing) return <p>{fetching ? 'Loading the graph…' : 'No graph.'}</p>;

  const connected = new Set([...graph.edges, ...graph.missingLinks].flatMap((e) => [e.source.name, e.target.name]));
  const alone = graph.nodes.filter((n) => !connected.has(n.name));
  const nodeLink = (name: string, kind: Kind) =>
    kind === 'JOB' ? (
      <a href={href({ page: 'job', name })} onClick={(e) => follow(e, () => open(name))}>{name}</a>
    ) : (
      <span>{name}</span>
    );

  return (
    <section aria-labelledby="graph-title">
      <h1 id="graph-title">Dependency graph</h1>
      <div className="toolbar">
        <label>
          <input type="checkbox" checked={showTables} onChange={(e) => setShowTables(e.target.checked)} /> Show shared tables
        </label>
        <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>Refresh</button>
        <span aria-live="polite" data-col="count">
          {[
            count(graph.nodes.length, 'node'),
            count(graph.edges.length, 'trigger edge'),
            count(graph.sharedTables.length, 'shared table'),
            count(graph.cycles.length, 'cycle'),
          ].join(', ')}
        </span>
      </div>
      <figure className="graph">
        <div className="graph-scroll">
          <svg
            role="group"
            aria-labelledby="graph-caption"
            width={drawing.width}
            height={drawing.height}
            viewBox={`0 0 ${drawing.width} ${drawing.height}`}
            className="graph-drawing"
            data-col="graph"
          >
            <defs>
              {(['AFTER_JOB', 'TRIGGER_TASKS', 'POST_JOB_EVENT', 'cycle', 'missing'] as const).map((kind) => (
                <marker key={kind} id={`arrow-${kind}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
                  <path d="M0,0 L10,5 L0,10 z" className={`arrow arrow-${kind.toLowerCase()}`} />
                </marker>
              ))}
            </defs>
            {drawing.lines.map((line) => (
              <path
                key={line.id}
                d={path(line.points)}
                className={`edge edge-${line.kind.toLowerCase()}${line.inCycle ? ' edge-cycle' : ''}${line.missing ? ' edge-missing' : ''}`}
                markerEnd={line.kind === 'SHARED_TABLE' ? undefined : `url(#arrow-${line.inCycle ? 'cycle' : line.missing ? 'missing' : line.kind})`}
                data-edge={`${line.source}->${line.target}`}
                data-kind={line.kind}
              >
                <title>{`${line.source} → ${line.target}: ${EDGE_LABEL[line.kind]}${line.via ? ` (${line.via})` : ''}`}</title>
              </path>
            ))}
            {drawing.aloneTop !== null && (
              <text x={GAP} y={drawing.aloneTop + 12} className="group-label">Not linked to anything:</text>
            )}
            {drawing.boxes.map((box) => {
              const body = (
                <>
                  <rect
                    x={box.x - box.width / 2}
                    y={box.y - box.height / 2}
                    width={box.width}
                    height={box.height}
                    rx={box.kind === 'TABLE' ? 18 : 5}
                    className="node-box"
                  />
                  <text x={box.x} y={box.y - 3} textAnchor="middle" className="node-name">{box.name}</text>
                  <text x={box.x} y={box.y + 14} textAnchor="middle" className="node-kind">{kindLine(box.kind, box.status)}</text>
                </>
              );
              const className = `node node-${box.kind.toLowerCase()}${box.inCycle ? ' node-cycle' : ''}`;
              return box.kind === 'JOB' ? (
                <a
                  key={box.id}
                  href={href({ page: 'job', name: box.name })}
                  onClick={(e) => follow(e, () => open(box.name))}
                  className={className}
                  data-node={box.name}
                  data-kind={box.kind}
                  aria-label={`Job ${box.name}${box.status ? `, last run ${box.status}` : ''}${box.inCycle ? ', in a cycle' : ''}: open its page`}
                >
                  {body}
                </a>
              ) : (
                <g key={box.id} className={className} data-node={box.name} data-kind={box.kind}>
                  <title>{`${KIND_LABEL[box.kind]} ${box.name}`}</title>
                  {body}
                </g>
              );
            })}
          </svg>
        </div>
        <figcaption id="graph-caption">
          Jobs and transformations of this workspace, left to right in the order they trigger each other.
          Legend: <span className="key key-after_job">solid arrow</span> runs after the job,{' '}
          <span className="key key-trigger_tasks">dotted arrow</span> runs after tasks of the job,{' '}
          <span className="key key-post_job_event">dashed arrow</span> the job's post-job event starts it,{' '}
          <span className="key key-shared_table">grey line</span> writes a shared destination table,{' '}
          <span className="key key-cycle">red</span> part of a cycle; dashed red boxes are missing jobs.
        </figcaption>
      </figure>

      <h2 id="graph-text-title">The graph as text</h2>
      <div aria-labelledby="graph-text-title" className="graph-text" data-col="graph-text">
        <h3>What triggers what</h3>
        {graph.edges.length === 0 ? <p>No job or transformation triggers another.</p> : (
          <ul data-col="edges">
            {graph.edges.map((edge) => (
              <li key={edgeKey(edge.kind, edge.source.name, edge.target.name)}>
                {nodeLink(edge.source.name, edge.source.kind)} ({KIND_LABEL[edge.source.kind]}) → {nodeLink(edge.target.name, edge.target.kind)} ({KIND_LABEL[edge.target.kind]}): {EDGE_LABEL[edge.kind]}
                {edge.via ? ` (via ${edge.via})` : ''}
              </li>
            ))}
          </ul>
        )}
        <h3>Shared destination tables</h3>
        {graph.sharedTables.length === 0 ? <p>No two jobs write the same table.</p> : (
          <ul data-col="shared">
            {graph.sharedTables.map((shared) => (
              <li key={tableId(shared.destination, shared.table)}>
                {shared.destination}.{shared.table}, written by{' '}
                {shared.jobs.map((job, i) => (
                  <span key={job.name}>{i > 0 && ', '}{nodeLink(job.name, job.kind)}</span>
                ))}
              </li>
            ))}
          </ul>
        )}
        <h3>Cycles</h3>
        {graph.cycles.length === 0 ? <p>None.</p> : (
          <ul data-col="cycles">
            {graph.cycles.map((cycle) => (
              <li key={cycle.nodes.map((n) => n.name).join('\u0000')}>
                {[...cycle.nodes, cycle.nodes[0]!].map((n, i) => (
                  <span key={`${n.name}-${i}`}>{i > 0 && ' → '}{nodeLink(n.name, n.kind)}</span>
                ))}
              </li>
            ))}
          </ul>
        )}
        <h3>Links to missing jobs</h3>
        {graph.missingLinks.length === 0 ? <p>None.</p> : (
          <ul data-col="missing">
            {graph.missingLinks.map((edge) => (
              <li key={edgeKey(edge.kind, edge.source.name, edge.target.name)}>
                {nodeLink(edge.source.name, edge.source.kind)} → {nodeLink(edge.target.name, edge.target.kind)}: {EDGE_LABEL[edge.kind]}, but{' '}
                {edge.source.kind === 'MISSING' ? edge.source.name : edge.target.name} does not exist
              </li>
            ))}
          </ul>
        )}
        <h3>Neither triggered nor triggering</h3>
        {alone.length === 0 ? <p>None.</p> : (
          <ul data-col="alone">
            {alone.map((n) => (
              <li key={n.name}>{nodeLink(n.name, n.kind)} ({KIND_LABEL[n.kind]})</li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
