/**
 * The OTLP/HTTP receiver the bench exports to, run as its own process (so decoding does not share the
 * flowtel process's thread): the production decoder behind a plain `http` server that answers 200 and
 * counts what it decoded. `GET /counts` answers the counts as JSON. Prints `{"url": …}` once listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOtlpHttpHandler } from '../../src/receiver/otlp/index.ts';

const counts = { spans: 0, logs: 0, metrics: 0, requests: 0 };
const handle = createOtlpHttpHandler({
  onSpans: (spans) => {
    counts.spans += spans.length;
  },
  onLogs: (logs) => {
    counts.logs += logs.length;
  },
  onMetrics: (metrics) => {
    counts.metrics += metrics.length;
  },
});

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/counts') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(counts));
    return;
  }
  counts.requests++;
  void handle(request, response);
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
