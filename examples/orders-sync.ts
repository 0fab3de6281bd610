/**
 * A flow that `flowtel serve` runs on its own, to watch scheduling and alerting happen in minutes:
 *   flowtel serve --flows examples --rules rules
 * Every 30 seconds it syncs orders from the shop; every 5 minutes also from a partner whose API is
 * down, so that run fails (a flow-failed alert) and the next shop sync resolves it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { currentRun, flow, log, task } from 'flowtel';
import { z } from 'zod';

const fetchOrders = task(
  'fetch-orders',
  async (source: string) => {
    await sleep(50, undefined, { signal: currentRun()?.signal });
    if (source === 'partner') throw new Error('partner API answered 503 Service Unavailable');
    return Array.from({ length: 25 }, (_, i) => `${source}-${i}`);
  },
  { retries: 1, retryDelay: '500ms' },
);

const store = task('store-orders', async (ids: readonly string[]) => {
  await sleep(20, undefined, { signal: currentRun()?.signal });
  return ids.length;
});

export const ordersSync = flow(
  {
    name: 'orders-sync',
    description: 'Pulls new orders from the shop every 30 s, and from a partner every 5 minutes.',
    params: z.object({ source: z.enum(['shop', 'partner']).default('shop') }),
    schedule: [
      { name: 'shop', interval: '30s', params: { source: 'shop' } },
      { name: 'partner', cron: '*/5 * * * *', timezone: 'UTC', params: { source: 'partner' } },
    ],
    overlap: 'skip',
    tags: ['example', 'orders'],
    timeout: '2m',
  },
  async ({ source }) => {
    const ids = await fetchOrders(source);
    const stored = await store(ids);
    log.info('orders synced', { source, stored });
    return stored;
  },
);
