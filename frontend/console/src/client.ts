// The urql client: queries and mutations as POST (the production profile refuses GET queries
// without a CSRF header, and POST needs none), subscriptions over graphql-ws on the same path
// with the credentials in connection_init (a browser cannot set headers on a WebSocket).
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { credentialHeaders, type Credentials } from './session';

export interface Gateway {
  client: Client;
  ws: WsClient;
}

export function wsUrl(endpoint: string): string {
  const url = new URL(endpoint, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export function createGateway(endpoint: string, credentials: Credentials): Gateway {
  const headers = credentialHeaders(credentials);
  const ws = createWsClient({
    url: wsUrl(endpoint),
    connectionParams: headers,
    // Reconnect after a dropped socket; the log tail resumes from its last cursor (live.ts).
    retryAttempts: Infinity,
    shouldRetry: () => true,
    lazy: true,
  });
  const client = new Client({
    url: endpoint,
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    // Plain JSON answers: urql's default Accept also lists text/event-stream, which the gateway
    // honours with an SSE stream even for a query.
    fetchOptions: () => ({
      headers: { accept: 'application/graphql-response+json, application/json', ...headers },
      credentials: 'omit',
    }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { client, ws };
}
