import { runFlowtel } from '../cli.ts';
import type { CaseResult, Figure } from '../figures.ts';
import { type BenchContext, exportTo, fmt, MB } from './context.ts';

const PROTOCOLS = ['http/protobuf', 'http/json'] as const;
const DROPPED_LINE = /^flowtel: \d+ spans? (?:was|were) dropped.*$/m;

export async function exportCase(ctx: BenchContext): Promise<CaseResult> {
  const figures: Figure[] = [];
  for (const protocol of PROTOCOLS) {
    const before = await ctx.sink.counts();
    const run = await runFlowtel('export.ts', {
      env: {
        ...exportTo(ctx.sink, protocol),
        FLOWTEL_ALERTING: 'off',
        FLOWTEL_MAX_TASK_SPANS: '0',
        BENCH_EXPORT_TASKS: String(ctx.sizes.exportTasks),
      },
    });
    const received = (await ctx.sink.counts()).spans - before.spans;
    const made = run.figures.spansMade as number;
    const droppedLine = run.stderr.match(DROPPED_LINE)?.[0];
    const seconds = (run.exitedAtMs - (run.figures.startedAtMs as number)) / 1000;
    const reportedDropped = Number(droppedLine?.match(/\d+/)?.[0] ?? 0);
    figures.push(
      {
        label: `spans missing at the receiver, ${protocol}`,
        value: made - received,
        unit: 'spans',
        target: { op: '=', value: 0 },
        against: `${received.toLocaleString('en-US')} of ${made.toLocaleString('en-US')} spans made were decoded by the receiver process`,
      },
      {
        label: `spans flowtel reports dropped, ${protocol}`,
        value: reportedDropped,
        unit: 'spans',
        target: { op: '=', value: 0 },
        against: `flowtel's stderr: ${droppedLine ? `"${droppedLine}"` : 'no dropped-spans line'}`,
      },
      {
        label: `spans/s, ${protocol}`,
        value: received / seconds,
        unit: '/s',
        against: `from the run's start to the CLI's exit (export flushed), ${fmt(seconds)} s; the flow body alone took ${fmt((run.figures.bodyMs as number) / 1000)} s`,
      },
      {
        label: `peak RSS of the flowtel process, ${protocol}`,
        value: (run.figures.peakRssBytes as number) / MB,
        unit: 'MB',
        against: '`process.resourceUsage().maxRSS` at exit',
      },
    );
  }
  return {
    title: '5. Export',
    method: `\`flowtel run bench/flows/export.ts\` with \`FLOWTEL_MAX_TASK_SPANS=0\` (span budget off) and \`FLOWTEL_ALERTING=off\`: ${ctx.sizes.exportTasks.toLocaleString('en-US')} awaited task runs in one flow run, every one traced, exported to the receiver process in each encoding (\`OTEL_EXPORTER_OTLP_PROTOCOL\`). Missing = spans made (task runs + the flow span) − spans the receiver decoded; flowtel's own count is the dropped-spans line it prints at exit.`,
    figures,
  };
}
