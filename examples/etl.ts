/**
 * An extract-transform-load pipeline as a flowtel flow: `npm start` runs it with the rules in ./rules.
 *   flowtel run examples/etl.ts --param day=2026-11-24
 *   flowtel run examples/etl.ts --param failAt=load      (fails: see the alert it would send)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { currentRun, flow, log, task } from 'flowtel';
import { z } from 'zod';

interface Order {
  readonly id: string;
  readonly region: string;
  readonly cents: number;
}

/** Stands in for an orders API: a little latency, deterministic data, honours the run's signal. */
async function fetchOrdersFromApi(day: string, region: string): Promise<Order[]> {
  await sleep(40, undefined, { signal: currentRun()?.signal });
  return Array.from({ length: 40 }, (_, i) => ({
    id: `${day}-${region}-${i}`,
    region,
    cents: 100 + ((i * 37) % 900),
  }));
}

const extract = task('extract', fetchOrdersFromApi, {
  retries: 2,
  retryDelay: '200ms',
  timeout: '10s',
  concurrency: 2,
});

// The warehouse connection drops on the first attempt of every run: the task retries and recovers.
const transform = task(
  'transform',
  async (orders: Order[]) => {
    if (currentRun()?.attempt === 1) throw new Error('warehouse connection reset');
    return orders.map((o) => ({ ...o, euros: o.cents / 100 }));
  },
  { retries: 3, retryDelay: '150ms', backoff: 'exponential' },
);

const load = task(
  'load',
  async (rows: ReadonlyArray<{ id: string }>, failAt: string) => {
    await sleep(20, undefined, { signal: currentRun()?.signal });
    if (failAt === 'load' && rows.some((r) => r.id.endsWith('-apac-39'))) {
      throw new Error(`insert into orders failed: duplicate key ${rows.at(-1)?.id}`);
    }
    return rows.length;
  },
  { concurrency: 4 },
);

const summarise = task('summarise', (rows: number, day: string) => `${rows} orders loaded for ${day}`);

/** A subflow: its own flow run, a child span in the same trace. */
const report = flow(
  { name: 'etl-report', tags: ['example'] },
  async ({ rows, day }: { rows: number; day: string }) => summarise(rows, day),
);

export const etl = flow(
  {
    name: 'etl',
    description: 'Nightly orders: extract per region, transform, load in chunks, report.',
    params: z.object({
      day: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'day must look like 2026-11-24')
        .default('2026-11-24'),
      regions: z.array(z.string()).default(['eu', 'us', 'apac']),
      failAt: z.enum(['none', 'load']).default('none'),
      apiToken: z.string().default('demo-token-not-a-secret'),
    }),
    schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin' },
    tags: ['example', 'orders'],
    timeout: '5m',
  },
  async ({ day, regions, failAt }) => {
    const batches = await Promise.all(regions.map((region) => extract(day, region)));
    const rows = await transform(batches.flat());
    log.info('transformed orders', { count: rows.length });
    const chunks = Array.from({ length: Math.ceil(rows.length / 25) }, (_, i) =>
      rows.slice(i * 25, i * 25 + 25),
    );
    const loaded = (await Promise.all(chunks.map((c) => load(c, failAt)))).reduce((a, b) => a + b, 0);
    return report({ rows: loaded, day });
  },
);
