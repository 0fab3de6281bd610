import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FlowtelRunOptions, ROOT, runFlowtel } from './cli.ts';

export interface Profile {
  /** What was profiled, when not the measured part of a flow body (the report says so). */
  readonly scope?: string;
  /** Frames by self time, highest first: `function file:line` and its share of the busy samples. */
  readonly topFrames: readonly { readonly frame: string; readonly percent: number }[];
  /** Where that time goes, by part of the stack, with what would make that part cheaper. */
  readonly areas: readonly { readonly area: string; readonly percent: number; readonly lever: string }[];
}

interface CpuProfileNode {
  id: number;
  hitCount?: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: CpuProfileNode[];
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
    area: 'OTLP decoding (serve)',
    test: /src\/receiver\/otlp\/|protobufjs\/src|long\/umd/,
    lever:
      'read protobuf messages without `toObject` (64-bit fields from their two halves, not decimal strings); build field paths only for errors',
  },
  {
    area: 'OTLP ingest (serve)',
    test: /src\/receiver\/ingest\/|src\/recent-map/,
    lever: 'fewer maps and keys per span: one lookup per span, not per transition',
  },
  {
    area: 'serve metrics',
    test: /src\/server\/metrics\//,
    lever: 'count per request, not per transition',
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
  // Named by `areaOf` from the frame itself, never from a URL.
  { area: 'garbage collection', test: /(?!)/, lever: 'allocate less per task run' },
  {
    area: 'Node internals (promises, async hooks, timers)',
    test: /^node:|internal\//,
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

/**
 * `flowtel serve` under V8's CPU profiler for as long as `use` runs it (given the node flags to start it
 * with), its main thread's profile summarised. serve writes the profile when it exits, on SIGTERM.
 */
export async function profileServe(
  scope: string,
  use: (nodeFlags: readonly string[]) => Promise<unknown>,
): Promise<Profile> {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-bench-prof-'));
  try {
    await use(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    // One file per thread: the main thread's is the largest (tsx's loader thread is the other).
    const files = readdirSync(dir).map((name) => join(dir, name));
    const main = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
    if (main === undefined) throw new Error('flowtel serve wrote no CPU profile');
    return { ...summarise(JSON.parse(readFileSync(main, 'utf8')) as CpuProfile), scope };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function summarise(profile: CpuProfile, top = 8): Profile {
  const byFrame = new Map<string, number>();
  const byArea = new Map<string, number>();
  const parents = new Map<number, CpuProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node);
  let busy = 0;
  for (const node of profile.nodes) {
    const { hitCount = 0, callFrame } = node;
    const { functionName, url, lineNumber } = callFrame;
    if (hitCount === 0 || functionName === '(idle)' || functionName === '(program)') continue;
    busy += hitCount;
    const where = shortUrl(url);
    // Line 1 is all tsx's source maps give for compiled TypeScript: leave it out.
    const line = lineNumber > 0 ? `:${lineNumber + 1}` : '';
    const frame = where
      ? `${functionName || '(anonymous)'} ${where}${line}`
      : functionName.startsWith('(')
        ? functionName // (garbage collector) and such: V8's own
        : `${functionName} (native, from ${callerOf(node, parents) ?? 'native code'})`;
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + hitCount);
    const area = areaOf(node, parents);
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

/**
 * A native frame (no URL: a C++ method such as better-sqlite3's `Statement` or `get`) belongs to the
 * part of the stack of its nearest caller that has one; the garbage collector is its own part.
 */
function areaOf(node: CpuProfileNode, parents: ReadonlyMap<number, CpuProfileNode>): string {
  if (node.callFrame.functionName === '(garbage collector)') return 'garbage collection';
  const where = node.callFrame.url ? shortUrl(node.callFrame.url) : callerOf(node, parents);
  return AREAS.find(({ test }) => test.test(where ?? ''))?.area ?? 'other';
}

/** The URL of the nearest caller that has one. */
function callerOf(node: CpuProfileNode, parents: ReadonlyMap<number, CpuProfileNode>): string | undefined {
  for (let at = parents.get(node.id); at; at = parents.get(at.id)) {
    if (at.callFrame.url) return shortUrl(at.callFrame.url);
  }
  return undefined;
}

/** `src/rules/engine.ts`, `better-sqlite3/lib/methods/…`, `node:internal/…`: short enough to read. */
function shortUrl(url: string): string {
  if (!url.startsWith('file://')) return url;
  const path = relative(ROOT, fileURLToPath(url));
  const inModules = path.lastIndexOf('node_modules/');
  return inModules >= 0 ? path.slice(inModules + 'node_modules/'.length) : path;
}
