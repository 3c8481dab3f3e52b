// The console's entry: reads the server's inert JSON config, asks for credentials once per tab,
// and routes with the History API between the board (/), job pages (/jobs/<name>), the run
// history (/runs), the dependency graph (/graph) and the connections (/connections).
import { StrictMode, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { Board } from './Board';
import { createGateway } from './client';
import { Connections } from './Connections';
import { Graph } from './Graph';
import { JobPage } from './JobPage';
import { follow, href, parseRoute, setBase, type Route } from './router';
import { Runs } from './Runs';
import { clearCredentials, loadCredentials, saveCredentials, type Credentials } from './session';
import { SignIn } from './SignIn';
import './styles.css';

interface Config {
  endpoint: string;
  base: string;
  /** Whether the gateway serves GraphiQL (off in the production profile). */
  graphiql?: boolean;
}

const config = JSON.parse(document.getElementById('syncgql-console-config')?.textContent ?? '{}') as Config;
setBase(config.base);

const TITLES: Record<Route['page'], string> = {
  board: 'Jobs',
  job: 'Job',
  runs: 'Runs',
  graph: 'Dependency graph',
  connections: 'Connections',
};
const NAV: { page: 'board' | 'runs' | 'graph' | 'connections'; label: string }[] = [
  { page: 'board', label: 'Jobs' },
  { page: 'runs', label: 'Runs' },
  { page: 'graph', label: 'Graph' },
  { page: 'connections', label: 'Connections' },
];

function App() {
  const [credentials, setCredentials] = useState<Credentials | null>(loadCredentials);
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  useEffect(() => {
    document.title = `syncgql · ${route.page === 'job' ? route.name : TITLES[route.page]}`;
  }, [route]);
  const gateway = useMemo(() => (credentials ? createGateway(config.endpoint, credentials) : null), [credentials]);
  useEffect(() => () => void gateway?.ws.dispose(), [gateway]);
  const go = (next: Route) => {
    window.history.pushState(null, '', href(next));
    setRoute(next);
    window.scrollTo(0, 0);
  };
  const openJob = (name: string) => go({ page: 'job', name });
  if (!credentials || !gateway) {
    return (
      <main>
        <SignIn done={(c) => { saveCredentials(c); setCredentials(c); }} />
      </main>
    );
  }
  const current = route.page === 'job' ? 'board' : route.page;
  let page;
  if (route.page === 'job') page = <JobPage key={route.name} name={route.name} back={() => go({ page: 'board' })} />;
  else if (route.page === 'runs') page = <Runs open={openJob} />;
  else if (route.page === 'graph') page = <Graph open={openJob} />;
  else if (route.page === 'connections') page = <Connections />;
  else page = <Board open={openJob} />;
  return (
    <Provider value={gateway.client}>
      <header className="top">
        <a href={href({ page: 'board' })} onClick={(e) => follow(e, () => go({ page: 'board' }))} className="brand">syncgql console</a>
        <nav aria-label="Console pages">
          <ul>
            {NAV.map((item) => (
              <li key={item.page}>
                <a
                  href={href({ page: item.page })}
                  aria-current={current === item.page ? 'page' : undefined}
                  onClick={(e) => follow(e, () => go({ page: item.page }))}
                >
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {config.graphiql && <a href={`${config.base}graphiql`}>GraphiQL</a>}
        <button type="button" onClick={() => { clearCredentials(); setCredentials(null); }}>Sign out</button>
      </header>
      <main>{page}</main>
    </Provider>
  );
}

const root = document.getElementById('console');
if (root) createRoot(root).render(<StrictMode><App /></StrictMode>);
