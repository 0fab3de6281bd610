import { runFlowtel } from '../cli.ts';
import type { CaseResult, Figure } from '../figures.ts';
import { type BenchContext, EXAMPLE_RULES, exportTo, fmt, MB } from './context.ts';

export async function memoryCase(ctx: BenchContext): Promise<CaseResult> {
  const tasks = ctx.sizes.memoryTasks;
  const run = await runFlowtel('memory.ts', {
    env: { ...exportTo(ctx.sink), BENCH_MEMORY_TASKS: String(tasks) },
    rules: EXAMPLE_RULES,
  });
  const warm = run.figures.warmHeapBytes as number;
  const end = run.figures.endHeapBytes as number;
  const growth: Figure = {
    label: 'heap growth after GC, warm point to end',
    value: (end - warm) / MB,
    unit: 'MB',
    target: { op: '<', value: 20 },
    against: `heap after GC ${fmt(warm / MB)} MB at task run ${(tasks / 10).toLocaleString('en-US')}, ${fmt(end / MB)} MB at the end; ${fmt(((run.figures.bodyMs as number) * 1000) / tasks)} µs per task run; peak RSS ${fmt((run.figures.peakRssBytes as number) / MB)} MB`,
  };
  return {
    title: '6. Memory',
    method: `\`flowtel run bench/flows/memory.ts --rules rules\`, exporting to the receiver process (default span budget): ${tasks.toLocaleString('en-US')} awaited task runs in one flow run; \`global.gc()\` then \`heapUsed\` a tenth of the way in and at the end.`,
    figures: [growth],
  };
}
