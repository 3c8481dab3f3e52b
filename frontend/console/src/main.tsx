// The console's entry: reads the server's inert JSON config, asks for credentials once per tab,
// and routes between the board (/) and job pages (/jobs/<name>) with the History API.
import { StrictMode, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { Board } from './Board';
import { createGateway } from './client';
import { JobPage } from './JobPage';
import { clearCredentials, loadCredentials, saveCredentials, type Credentials } from './session';
import { SignIn } from './SignIn';
import './styles.css';

interface Config {
  endpoint: string;
  base: string;
}

const config = JSON.parse(document.getElementById('syncgql-console-config')?.textContent ?? '{}') as Config;

function route(): string | null {
  const path = window.location.pathname.slice(config.base.length - 1);
  const match = /^\/jobs\/(.+)$/.exec(path);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

function App() {
  const [credentials, setCredentials] = useState<Credentials | null>(loadCredentials);
  const [job, setJob] = useState<string | null>(route);
  useEffect(() => {
    const onPop = () => setJob(route());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const gateway = useMemo(() => (credentials ? createGateway(config.endpoint, credentials) : null), [credentials]);
  useEffect(() => () => void gateway?.ws.dispose(), [gateway]);
  const go = (name: string | null) => {
    window.history.pushState(null, '', name ? `${config.base}jobs/${encodeURIComponent(name)}` : config.base);
    setJob(name);
  };
  if (!credentials || !gateway) {
    return (
      <main>
        <SignIn done={(c) => { saveCredentials(c); setCredentials(c); }} />
      </main>
    );
  }
  return (
    <Provider value={gateway.client}>
      <header className="top">
        <a href={config.base} onClick={(e) => { e.preventDefault(); go(null); }} className="brand">syncgql console</a>
        <a href="/graphiql">GraphiQL</a>
        <button type="button" onClick={() => { clearCredentials(); setCredentials(null); }}>Sign out</button>
      </header>
      <main>{job ? <JobPage key={job} name={job} back={() => go(null)} /> : <Board open={go} />}</main>
    </Provider>
  );
}

const root = document.getElementById('console');
if (root) createRoot(root).render(<StrictMode><App /></StrictMode>);
