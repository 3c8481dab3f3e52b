// The connections of the workspace: name, provider and last test result (never the connection
// string: the page does not ask for it or its properties, masked as the API sends them), a Test
// button per connection showing the typed result of `testConnection`, and a browser of the
// connection's tables (paged with first/offset, as the API pages them) and a table's columns.
import { useEffect, useId, useRef, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { ErrorBox } from './Board';
import { when } from './format';
import {
  ConnectionTablesDocument,
  ConnectionsDocument,
  TableColumnsDocument,
  TestConnectionDocument,
  type TestConnectionMutation,
} from './generated/graphql';

const PAGE = 50;
const TABLE_PAGE = 50;

interface Outcome {
  ok: boolean;
  text: string;
}

function outcomeOf(payload: TestConnectionMutation['testConnection']): Outcome {
  if (payload.__typename === 'TestConnectionSuccess') {
    return { ok: payload.success, text: `${payload.status}: ${payload.detail ?? (payload.success ? 'the connection works' : 'the test failed')}` };
  }
  return { ok: false, text: `${payload.__typename} (${payload.errorCode}): ${payload.message}` };
}

export function Connections() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const [{ data, error, fetching }, refetch] = useQuery({ query: ConnectionsDocument, variables: { first: PAGE, after } });
  const [, testConnection] = useMutation(TestConnectionDocument);
  const [outcomes, setOutcomes] = useState(() => new Map<string, Outcome>());
  const [testing, setTesting] = useState(() => new Set<string>());
  const [browsing, setBrowsing] = useState<string | null>(null);
  const connections = data?.connections.nodes ?? [];

  const test = async (name: string) => {
    setTesting((old) => new Set(old).add(name));
    setOutcomes((old) => {
      const next = new Map(old);
      next.delete(name);
      return next;
    });
    const result = await testConnection({ name });
    const payload = result.data?.testConnection;
    const outcome: Outcome = payload ? outcomeOf(payload) : { ok: false, text: `The request failed: ${result.error?.message ?? 'no answer'}` };
    setOutcomes((old) => new Map(old).set(name, outcome));
    setTesting((old) => {
      const next = new Set(old);
      next.delete(name);
      return next;
    });
  };

  return (
    <section aria-labelledby="connections-title">
      <h1 id="connections-title">Connections</h1>
      <div className="toolbar">
        <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>Refresh</button>
        <span aria-live="polite" data-col="count">{data ? `${data.connections.totalCount ?? connections.length} connections` : ''}</span>
      </div>
      {error && <ErrorBox error={error} />}
      {fetching && !data && <p>Loading connections…</p>}
      <table className="connections">
        <thead>
          <tr>
            <th scope="col">Connection</th>
            <th scope="col">Provider</th>
            <th scope="col">Last test</th>
            <th scope="col">Tested at</th>
            <th scope="col">Actions</th>
            <th scope="col">Test result</th>
          </tr>
        </thead>
        <tbody>
          {connections.map((c) => {
            const outcome = outcomes.get(c.name);
            return (
              <tr key={c.id} data-connection={c.name}>
                <th scope="row">{c.name}</th>
                <td data-col="provider">{c.providerName ?? '—'}</td>
                <td data-col="state">{c.state ?? '—'}</td>
                <td>{when(c.lastTested)}</td>
                <td className="actions">
                  <button type="button" aria-label={`Test ${c.name}`} disabled={testing.has(c.name)} onClick={() => void test(c.name)}>
                    {testing.has(c.name) ? 'Testing…' : 'Test'}
                  </button>
                  <button
                    type="button"
                    aria-label={`Tables of ${c.name}`}
                    aria-pressed={browsing === c.name}
                    onClick={() => setBrowsing(browsing === c.name ? null : c.name)}
                  >
                    Tables
                  </button>
                </td>
                <td role="status" data-col="outcome" className={outcome ? (outcome.ok ? 'ok' : 'detail') : undefined}>
                  {outcome?.text ?? ''}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <nav className="pager" aria-label="Pages of connections">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
        <button
          type="button"
          disabled={!data?.connections.pageInfo.hasNextPage}
          onClick={() => setCursors([...cursors, data?.connections.pageInfo.endCursor ?? null])}
        >
          Next page
        </button>
      </nav>
      {browsing && <Tables key={browsing} connection={browsing} close={() => setBrowsing(null)} />}
    </section>
  );
}

function Tables({ connection, close }: { connection: string; close: () => void }) {
  const [offset, setOffset] = useState(0);
  const [picked, setPicked] = useState<{ name: string; index: number } | null>(null);
  // One more than a page: a page that comes back full says there is another.
  const [{ data, error, fetching }] = useQuery({
    query: ConnectionTablesDocument,
    variables: { name: connection, first: TABLE_PAGE + 1, offset },
  });
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const all = data?.connection?.tables ?? [];
  const tables = all.slice(0, TABLE_PAGE);
  const titleId = useId();
  return (
    <section aria-labelledby={titleId} className="browser" data-col="tables">
      <h2 id={titleId} ref={heading} tabIndex={-1}>Tables of {connection}</h2>
      <p><button type="button" onClick={close}>Close the tables</button></p>
      {error && <ErrorBox error={error} />}
      {fetching && !data && <p>Loading tables…</p>}
      {data && !data.connection && <p role="alert">There is no connection named {connection}.</p>}
      {data?.connection && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Table</th>
                <th scope="col">Schema</th>
                <th scope="col">Type</th>
                <th scope="col">Columns</th>
              </tr>
            </thead>
            <tbody>
              {tables.map((t, i) => (
                <tr key={`${t.schema ?? ''}.${t.name}`} data-table={t.name}>
                  <th scope="row">{t.name}</th>
                  <td>{t.schema ?? '—'}</td>
                  <td>{t.tableType ?? '—'}</td>
                  <td>
                    <button
                      type="button"
                      aria-label={`Columns of ${t.name}`}
                      aria-pressed={picked?.index === offset + i}
                      onClick={() => setPicked({ name: t.name, index: offset + i })}
                    >
                      Columns
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {tables.length === 0 && <p>This connection offers no table.</p>}
          <nav className="pager" aria-label={`Pages of tables of ${connection}`}>
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - TABLE_PAGE))}>Previous tables</button>
            <button type="button" disabled={all.length <= TABLE_PAGE} onClick={() => setOffset(offset + TABLE_PAGE)}>Next tables</button>
          </nav>
        </>
      )}
      {picked && <Columns key={`${picked.index}`} connection={connection} table={picked.name} index={picked.index} />}
    </section>
  );
}

function Columns({ connection, table, index }: { connection: string; table: string; index: number }) {
  const [{ data, error, fetching }] = useQuery({ query: TableColumnsDocument, variables: { name: connection, offset: index } });
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const found = data?.connection?.tables[0];
  const titleId = useId();
  return (
    <section aria-labelledby={titleId} className="browser" data-col="columns">
      <h3 id={titleId} ref={heading} tabIndex={-1}>Columns of {table}</h3>
      {error && <ErrorBox error={error} />}
      {fetching && !data && <p>Loading columns…</p>}
      {data && found?.name !== table && <p role="alert">The table list of {connection} changed; open its tables again.</p>}
      {found?.name === table && (
        <table>
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Type</th>
              <th scope="col">Nullable</th>
              <th scope="col">Key</th>
              <th scope="col" className="num">Length / precision</th>
            </tr>
          </thead>
          <tbody>
            {found.columns.map((col, i) => (
              <tr key={col.name ?? i} data-column={col.name ?? ''}>
                <th scope="row">{col.name ?? '—'}</th>
                <td>{col.dataType ?? '—'}</td>
                <td>{col.nullable == null ? '—' : col.nullable ? 'yes' : 'no'}</td>
                <td>{[col.primaryKey && 'primary', col.foreignKey && 'foreign'].filter(Boolean).join(', ') || '—'}</td>
                <td className="num">
                  {col.maxLength ?? (col.precision != null ? `${col.precision}${col.scale != null ? `, ${col.scale}` : ''}` : '—')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
