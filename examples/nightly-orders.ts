/**
 * The README's API example, as written there, with the two helpers it assumes
 * (`fetchOrdersFromApi`, `chunk`). test/readme-example.test.ts runs it.
 */
import { flow, log, task } from 'flowtel';
import { z } from 'zod';

interface Order {
  readonly id: number;
  readonly day: string;
}

async function fetchOrdersFromApi(day: string): Promise<Order[]> {
  return Array.from({ length: 250 }, (_, id) => ({ id, day }));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));
}

// --- from here on, exactly as in the README ---

// Wrap an existing function: same parameters, returns a Promise of the same result.
const fetchOrders = task('fetch-orders', fetchOrdersFromApi, {
  retries: 3, retryDelay: '2s', backoff: 'exponential', timeout: '30s', concurrency: 4,
});
const loadOrders = task('load-orders', async (orders: Order[]) => { /* ... */ });

export const nightlyOrders = flow({
  name: 'nightly-orders',
  params: z.object({ day: z.string(), dryRun: z.boolean().default(false) }),
  schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin' },
  tags: ['orders'],
  timeout: '1h',
}, async ({ day, dryRun }) => {
  const orders = await fetchOrders(day);
  log.info('fetched orders', { count: orders.length });      // correlated with the trace
  await Promise.all(chunk(orders, 100).map((c) => loadOrders(c)));  // concurrent task runs
  return orders.length;
});
