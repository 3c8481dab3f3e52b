// Real clients of syncgql's HTTP transports (issue 15), driven by tests/transport/test_node_clients.py.
// Usage: node clients.mjs <mode> <url> [<url2>]; prints one JSON line with what the client saw.
//   sse         graphql-sse's client (distinct connections) subscribes to a job and starts a run
//   multipart   Apollo Client's HttpLink (multipart subscriptions) does the same
//   apq         Apollo Client's PersistedQueryLink: a query by hash over GET, on two replicas
import { createHash } from "node:crypto";
import { createClient } from "graphql-sse";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [mode, url, url2] = process.argv.slice(2);
const SUBSCRIPTION = 'subscription { jobStatusChanged(jobNames: ["SlowOrders"]) { jobName status } }';
const TERMINAL = new Set(["SUCCESS", "FAILED", "CANCELLED"]);

async function startRun() {
  const answer = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: 'mutation { executeJob(name: "SlowOrders") { __typename } }' }),
  });
  return (await answer.json()).data.executeJob.__typename;
}

async function viaSse() {
  const client = createClient({ url, singleConnection: false, retryAttempts: 0 });
  const statuses = [];
  let started = null;
  for await (const result of client.iterate({ query: SUBSCRIPTION })) {
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    statuses.push(result.data.jobStatusChanged.status);
    if (started === null) started = await startRun();
    if (statuses.length > 1 && TERMINAL.has(statuses.at(-1))) break; // return() aborts the request
  }
  client.dispose();
  return { started, statuses };
}

function apollo(uri, links = []) {
  let link = new HttpLink({ uri });
  for (const outer of links.reverse()) link = outer.concat(link);
  return new ApolloClient({ link, cache: new InMemoryCache() });
}

async function viaMultipart() {
  const client = apollo(url);
  const statuses = [];
  let started = null;
  await new Promise((resolve, reject) => {
    const subscription = client.subscribe({ query: gql(SUBSCRIPTION) }).subscribe({
      next: async (result) => {
        if (result.error || result.errors) {
          reject(new Error(JSON.stringify(result.error ?? result.errors)));
          return;
        }
        statuses.push(result.data.jobStatusChanged.status);
        if (started === null) started = startRun();
        if (statuses.length > 1 && TERMINAL.has(statuses.at(-1))) {
          subscription.unsubscribe(); // aborts the HTTP request
          resolve();
        }
      },
      error: reject,
      complete: resolve,
    });
  });
  client.stop();
  return { started: await started, statuses };
}

async function viaApq() {
  const sha256 = (text) => createHash("sha256").update(text).digest("hex");
  const seen = [];
  const recording = (uri) => async (input, init) => {
    const answer = await fetch(input, init);
    const body = await answer.clone().text();
    seen.push({ uri, method: init?.method ?? "GET", status: answer.status, notFound: body.includes("PersistedQueryNotFound") });
    return answer;
  };
  const make = (uri) => {
    const persisted = new PersistedQueryLink({ sha256, useGETForHashedQueries: true });
    const http = new HttpLink({ uri, fetch: recording(uri), headers: { "x-syncgql-csrf": "1" } });
    return new ApolloClient({ link: persisted.concat(http), cache: new InMemoryCache() });
  };
  const query = gql("query Names { jobs(first: 2) { totalCount } }");
  const first = await make(url).query({ query });
  const second = await make(url2).query({ query });
  const third = await make(url).query({ query });
  return {
    totals: [first, second, third].map((r) => r.data.jobs.totalCount),
    requests: seen,
  };
}

const run = { sse: viaSse, multipart: viaMultipart, apq: viaApq }[mode];
const timer = setTimeout(() => {
  console.log(JSON.stringify({ error: "timeout" }));
  process.exit(2);
}, 60_000);
try {
  console.log(JSON.stringify(await run()));
  clearTimeout(timer);
} catch (error) {
  console.log(JSON.stringify({ error: String(error?.stack ?? error) }));
  process.exit(1);
}
