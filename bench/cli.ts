import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'src/cli/bin.ts');

export interface FlowtelRun {
  /** What the bench flow wrote to BENCH_OUT. */
  readonly figures: Record<string, unknown>;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall-clock time (ms) the process exited. */
  readonly exitedAtMs: number;
}

export interface FlowtelRunOptions {
  /** Variables for the run, on top of PATH, HOME, a fresh FLOWTEL_HOME and BENCH_OUT. */
  readonly env: Readonly<Record<string, string>>;
  /** `--rules <dir>`; without it, the run's working directory (a fresh temp dir) has no rules. */
  readonly rules?: string;
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
}

/**
 * `flowtel run bench/flows/<file>` as a user runs it, from this repository's sources, in a fresh
 * working directory and FLOWTEL_HOME, with only the variables given: answers the figures the flow wrote.
 * Throws when the run does not exit 0, with the end of its stderr.
 */
export async function runFlowtel(flowFile: string, options: FlowtelRunOptions): Promise<FlowtelRun> {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-bench-'));
  const out = join(dir, 'figures.json');
  const args = [
    '--expose-gc',
    ...(options.nodeFlags ?? []),
    '--conditions=flowtel-source',
    '--import',
    import.meta.resolve('tsx'),
    BIN,
    'run',
    join(ROOT, 'bench/flows', flowFile),
    ...(options.rules === undefined ? [] : ['--rules', options.rules]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      FLOWTEL_HOME: join(dir, '.flowtel'),
      // One metrics export at shutdown, not periodic ones landing in some timed windows and not others.
      OTEL_METRIC_EXPORT_INTERVAL: '600000',
      ...options.env,
      BENCH_OUT: out,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((done) => child.on('close', (exit) => done(exit)));
  const exitedAtMs = Date.now();
  try {
    if (code !== 0) throw new Error(`flowtel run ${flowFile} exited ${code}:\n${stderr.slice(-2_000)}`);
    const figures = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    return { figures, stdout, stderr, exitedAtMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
