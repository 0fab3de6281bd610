import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FlowtelRunOptions, ROOT, runFlowtel } from './cli.ts';

export interface Profile {
  /** Frames by self time, highest first: `function file:line` and its share of the busy samples. */
  readonly topFrames: readonly { readonly frame: string; readonly percent: number }[];
  /** Where that time goes, by part of the stack, with what would make that part cheaper. */
  readonly areas: readonly { readonly area: string; readonly percent: number; readonly lever: string }[];
}

interface CpuProfile {
  nodes: {
    id: number;
    hitCount?: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
}

/**
 * The parts of the stack a task run's time can go to, the first match winning, each with the change
 * that would cut it (from issue 9's analysis). Read against the top frames, not instead of them.
 */
const AREAS: readonly { area: string; test: RegExp; lever: string }[] = [
  {
    area: 'SQLite (alert state)',
    test: /better-sqlite3|src\/store\//,
    lever: 'keep alert state in memory, loaded once, persisted write-behind in batched transactions',
  },
  {
    area: 'rules engine',
    test: /src\/rules\//,
    lever:
      'index candidate rules by condition type, flow and task; state-free checks (minAttempt, state) before identities; hash only when an alert changes',
  },
  {
    area: 'CLI view and transition records',
    test: /src\/cli\/|src\/runtime\/transition|randomUUID|toISOString/,
    lever: 'make records (ISO time, ids) only for listeners that keep them, or when a rule matches',
  },
  {
    area: 'OTLP serialization and export',
    test: /otlp-transformer|otlp-exporter|protobufjs|exporter-trace|src\/otel\//,
    lever: 'fewer, larger export batches; encode off the task path (the export gate holds only traced runs)',
  },
  {
    area: 'OpenTelemetry SDK spans and metrics',
    test: /@opentelemetry\/(sdk-trace|sdk-metrics|core|api|resources|context)/,
    lever: 'fewer span events and attribute sets per task run; cache metric attribute sets',
  },
  {
    area: 'flowtel runtime and telemetry',
    test: /src\/(runtime|telemetry)\//,
    lever: 'fewer allocations and awaits per task run',
  },
  { area: 'garbage collection', test: /^\(garbage collector\)/, lever: 'allocate less per task run' },
  {
    area: 'Node internals (promises, async hooks, timers)',
    test: /^node:|^\(|internal\//,
    lever: 'fewer promises and AsyncLocalStorage scopes per task run',
  },
];

/**
 * Runs `flowtel run <flowFile>` again with `BENCH_PROFILE` set, so the flow profiles its measured part
 * (see `flows/profiler.ts`), with `BENCH_VARIANTS` keeping only the flowtel side where the flow times
 * several, and summarises the profile.
 */
export async function profileRun(flowFile: string, options: FlowtelRunOptions): Promise<Profile> {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-bench-prof-'));
  const path = join(dir, 'flow.cpuprofile');
  try {
    await runFlowtel(flowFile, { ...options, env: { ...options.env, BENCH_PROFILE: path } });
    return summarise(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function summarise(profile: CpuProfile, top = 8): Profile {
  const byFrame = new Map<string, number>();
  const byArea = new Map<string, number>();
  let busy = 0;
  for (const { hitCount = 0, callFrame } of profile.nodes) {
    const { functionName, url, lineNumber } = callFrame;
    if (hitCount === 0 || functionName === '(idle)' || functionName === '(program)') continue;
    busy += hitCount;
    const where = shortUrl(url);
    // Line 1 is all tsx's source maps give for compiled TypeScript: leave it out.
    const line = lineNumber > 0 ? `:${lineNumber + 1}` : '';
    const frame = where ? `${functionName || '(anonymous)'} ${where}${line}` : functionName;
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + hitCount);
    const area = AREAS.find(({ test }) => test.test(where || functionName))?.area ?? 'other';
    byArea.set(area, (byArea.get(area) ?? 0) + hitCount);
  }
  const percent = (n: number) => (busy === 0 ? 0 : (100 * n) / busy);
  return {
    topFrames: [...byFrame]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, n]) => ({ frame, percent: percent(n) })),
    areas: [...byArea]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([area, n]) => ({
        area,
        percent: percent(n),
        lever: AREAS.find((a) => a.area === area)?.lever ?? 'see the top frames',
      })),
  };
}

/** `src/rules/engine.ts`, `better-sqlite3/lib/methods/…`, `node:internal/…`: short enough to read. */
function shortUrl(url: string): string {
  if (!url.startsWith('file://')) return url;
  const path = relative(ROOT, fileURLToPath(url));
  const inModules = path.lastIndexOf('node_modules/');
  return inModules >= 0 ? path.slice(inModules + 'node_modules/'.length) : path;
}
