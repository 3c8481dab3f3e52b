// Runs the graphql-http server audits (GraphQL-over-HTTP spec conformance) against a URL and
// prints one JSON array: [{id, name, status: ok|warn|error|notice, reason}].
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}

const results = [];
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  results.push({ id: result.id, name: result.name, status: result.status, reason: result.reason ?? null });
}
process.stdout.write(`${JSON.stringify(results)}\n`);
