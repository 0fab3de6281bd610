import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * Runs `work`, under V8's CPU profiler (the one `--cpu-prof` drives) when `BENCH_PROFILE` names a
 * file: the profile then covers the measured part of the flow body only, not the process start
 * (module loading and TypeScript compiling, which would otherwise dominate it).
 */
export async function profiled<T>(work: () => Promise<T>): Promise<T> {
  const path = process.env.BENCH_PROFILE;
  if (!path) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 }); // µs: enough samples for short runs
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(path, JSON.stringify(profile));
    session.disconnect();
  }
}
