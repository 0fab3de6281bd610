import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { HealthView } from '../../src/server/backend.ts';
import type { CaseResult, Figure } from '../figures.ts';
import { CONTENT_TYPE, type Encoding, encodeBatches, recordFlowRun } from '../ingest/batches.ts';
import { profileServe } from '../profile.ts';
import { startHookServer } from '../receiver/hook-server.ts';
import { type ServeProcess, startServe } from '../serve.ts';
import { type BenchContext, EXAMPLE_RULES, fmt, profileMiss } from './context.ts';

/** Requests in flight at once, each on its own connection. */
const CONNECTIONS = 4;
/** Untimed requests per encoding before the timed ones: serve's decoder and ingest warmed up. */
const WARM_UP_REQUESTS = 20;

/**
 * Posts every body, `CONNECTIONS` at a time; throws on any answer but 200. A request whose connection
 * broke (serve closing an idle keep-alive socket as the next request goes out) is sent again, as an
 * OTLP exporter would; serve drops the transitions it already had. Answers how many were sent again.
 */
async function postAll(otlpUrl: string, encoding: Encoding, bodies: readonly Uint8Array[]): Promise<number> {
  let next = 0;
  let resent = 0;
  const post = async (body: Uint8Array, tries = 3): Promise<void> => {
    let response: Response;
    try {
      response = await fetch(`${otlpUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': CONTENT_TYPE[encoding] },
        body,
      });
    } catch (error) {
      if (tries <= 1) throw error;
      resent++;
      return post(body, tries - 1);
    }
    const text = await response.text();
    if (response.status !== 200) throw new Error(`POST /v1/traces (${encoding}): ${response.status} ${text}`);
  };
  const sender = async () => {
    for (let i = next++; i < bodies.length; i = next++) await post(bodies[i]!);
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, sender));
  return resent;
}

/** Polls `/healthz` until serve has stored `runs` runs; answers the health it then showed. */
async function storedRuns(serve: ServeProcess, runs: number, timeoutMs = 300_000): Promise<HealthView> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const health = await serve.get<HealthView>('/healthz');
    if (health.runsStored >= runs) return health;
    if (performance.now() > deadline) {
      throw new Error(`serve stored ${health.runsStored} of ${runs} runs within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Measured {
  readonly spansPerSecond: number;
  readonly seconds: number;
  readonly spans: number;
  readonly requests: number;
  readonly runs: number;
  readonly rejected: number;
  readonly resent: number;
}

async function measure(
  serve: ServeProcess,
  encoding: Encoding,
  recorded: readonly ReadableSpan[],
  requests: number,
): Promise<Measured> {
  const warmUp = encodeBatches(recorded, encoding, WARM_UP_REQUESTS);
  const timed = encodeBatches(recorded, encoding, requests);
  const before = await serve.get<HealthView>('/healthz');
  await postAll(serve.otlpUrl, encoding, warmUp.bodies);
  const warm = await storedRuns(serve, before.runsStored + warmUp.runs);
  const started = performance.now();
  const resent = await postAll(serve.otlpUrl, encoding, timed.bodies);
  const after = await storedRuns(serve, warm.runsStored + timed.runs);
  const seconds = (performance.now() - started) / 1000;
  return {
    spansPerSecond: timed.spans / seconds,
    seconds,
    spans: timed.spans,
    requests,
    runs: timed.runs,
    resent,
    rejected:
      after.rejected.items + after.rejected.requests - before.rejected.items - before.rejected.requests,
  };
}

/** serve with the example rules, for as long as `use` runs. */
async function withServe<T>(
  nodeFlags: readonly string[],
  use: (serve: ServeProcess) => Promise<T>,
): Promise<T> {
  // The example rules' channels must be configured for serve to start: Slack goes to a loopback
  // receiver, email to a port nobody listens on (no run fails here, so neither is sent to).
  const slack = await startHookServer();
  try {
    const serve = await startServe({
      args: ['--rules', EXAMPLE_RULES],
      env: { SLACK_WEBHOOK_URL: slack.url, SMTP_URL: 'smtp://127.0.0.1:9' },
      nodeFlags,
    });
    try {
      return await use(serve);
    } finally {
      await serve.stop();
    }
  } finally {
    await slack.close();
  }
}

export async function ingestCase(ctx: BenchContext): Promise<CaseResult> {
  const { ingestRequests } = ctx.sizes;
  const recorded = await recordFlowRun();
  const figures: Figure[] = [];
  for (const encoding of ['http/protobuf', 'http/json'] as const) {
    ctx.log(`  ${encoding}: ${ingestRequests} requests`);
    const m = await withServe([], (serve) => measure(serve, encoding, recorded, ingestRequests));
    const figure: Figure = {
      label: `spans/s decoded, stored and evaluated, ${encoding}`,
      value: m.spansPerSecond,
      unit: '/s',
      target: { op: '>=', value: 30_000 },
      against: `${m.spans.toLocaleString('en-US')} spans in ${m.requests} requests (${m.spans / m.requests} spans, ${m.runs / m.requests} flow runs each) in ${fmt(m.seconds)} s, ${CONNECTIONS} connections; ${m.rejected} items or requests rejected, ${m.resent} sent again after a broken connection`,
    };
    await profileMiss(ctx, figure, () =>
      profileServe(
        `the whole \`flowtel serve\` process (start-up included) while it took the same ${encoding} requests`,
        (nodeFlags) => withServe(nodeFlags, (serve) => measure(serve, encoding, recorded, ingestRequests)),
      ),
    );
    figures.push(figure);
  }
  return {
    title: '8. serve: OTLP ingest',
    method: `\`flowtel serve --rules rules\` (the example rules) as its own process, in a fresh \`FLOWTEL_HOME\`. The telemetry is real: the harness runs a flow \`bench-ingest\` of 60 tasks (one failing its first attempt and retried) on \`flowtel/testing\`'s in-memory SDK, and copies its 64 spans with fresh trace, span and run ids, 8 flow runs (512 spans) per request, encoded by the OTLP exporters' own serializers (\`@opentelemetry/otlp-transformer\`), all before the clock starts. Per encoding, a fresh serve; ${WARM_UP_REQUESTS} untimed requests warm serve up; then ${ingestRequests.toLocaleString('en-US')} requests go to \`POST /v1/traces\`, ${CONNECTIONS} at a time, and the clock stops when serve answered every one 200 **and** \`/healthz\` counts every flow run stored (polled every 10 ms). serve records each transition in the run history and evaluates it with the rules engine in the request's turn, and commits the history in the turn after, before it reads a later request such as that \`/healthz\`: stored means written to SQLite, evaluated means the rules saw it. The harness shares the machine's two cores with serve.`,
    figures,
  };
}
