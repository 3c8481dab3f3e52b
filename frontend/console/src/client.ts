// The urql client: queries and mutations as POST (the production profile refuses GET queries
// without a CSRF header, and POST needs none), subscriptions over graphql-ws on the same path
// with the credentials in connection_init (a browser cannot set headers on a WebSocket).
//
// Resuming: after a dropped socket, graphql-ws reconnects and sends every open subscription
// again with the payload object it was given. A subscription whose operation context has a
// `resume` function gets that payload's variables patched after each event (e.g. the log tail's
// `after` set to the last cursor), so the resent subscription continues where the old one
// stopped instead of starting over.
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { credentialHeaders, type Credentials } from './session';

/** Variables to resend after a reconnect, from the latest event's data (null: keep them). */
export type Resume = (data: unknown) => Record<string, unknown> | null;

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
        forwardSubscription(request, operation) {
          const input = { ...request, query: request.query || '' };
          const resume = operation.context.resume as Resume | undefined;
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, {
                next(result) {
                  const patch = resume && result.data ? resume(result.data) : null;
                  // Read again by graphql-ws when it resubscribes on a new socket.
                  if (patch) input.variables = { ...input.variables, ...patch };
                  sink.next(result as Parameters<typeof sink.next>[0]);
                },
                error: (err) => sink.error(err),
                complete: () => sink.complete(),
              });
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { client, ws };
}
