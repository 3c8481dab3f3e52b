// The GraphiQL page of syncgql, bundled so that it loads with no internet access.
// Every asset (scripts, styles, fonts, Monaco workers) is served from /graphiql/assets/.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

// The server writes its settings into an inert JSON block, so the page needs no inline script
// (a strict Content-Security-Policy stays possible).
function readConfig() {
  const node = document.getElementById('syncgql-graphiql-config');
  const config = node ? JSON.parse(node.textContent || '{}') : {};
  return {
    endpoint: config.endpoint || '/graphql',
    defaultQuery: config.defaultQuery || '{ __typename }',
  };
}

// Monaco runs its language services in web workers; they are bundled beside this file (names
// with content hashes, filled in by build.mjs), so they resolve against this module's own URL.
// eslint-disable-next-line no-undef
const WORKERS = __SYNCGQL_WORKERS__;
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const file = WORKERS[label] || WORKERS.editor;
    return new Worker(new URL(`./${file}`, import.meta.url));
  },
};

const config = readConfig();
// `/graphiql?query=...&variables=...` opens the IDE on that operation (a shareable link).
const params = new URLSearchParams(window.location.search);
const initial = {};
if (params.has('query')) initial.initialQuery = params.get('query');
if (params.has('variables')) initial.initialVariables = params.get('variables');
const httpUrl = new URL(config.endpoint, window.location.href);
const wsUrl = new URL(httpUrl.href);
wsUrl.protocol = httpUrl.protocol === 'https:' ? 'wss:' : 'ws:';

// Subscriptions go over graphql-transport-ws at the same path; the socket is opened lazily, only
// when a subscription is run, so a server without subscriptions is never contacted over WS.
const fetcher = createGraphiQLFetcher({
  url: httpUrl.href,
  subscriptionUrl: wsUrl.href,
});

createRoot(document.getElementById('graphiql')).render(
  createElement(GraphiQL, {
    fetcher,
    defaultQuery: config.defaultQuery,
    defaultEditorToolsVisibility: true,
    ...initial,
  }),
);
