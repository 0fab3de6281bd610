import { spawn } from 'node:child_process';
import { humanDuration } from '../../duration.ts';
import { type CatalogProblem, listFlowFiles } from './catalog-files.ts';
import {
  type CatalogFlow,
  type DescribeDocument,
  DescribeDocumentSchema,
  LOADING_PREFIX,
} from './catalog-schema.ts';
import { type FlowtelCommand, thisFlowtel } from './worker-command.ts';
import { OutputTail } from './worker-output.ts';

export type { CatalogProblem } from './catalog-files.ts';
export type { CatalogFlow } from './catalog-schema.ts';

export interface Catalog {
  /** Each flow name once: the first file (in path order) that declares it. */
  readonly flows: readonly CatalogFlow[];
  /** Paths not found, files that do not load (or hang, or end the process), duplicate flow names. */
  readonly problems: readonly CatalogProblem[];
}

export interface LoadCatalogOptions {
  /** How long one `flowtel describe` may take before it is killed (its files' imports included). */
  readonly timeoutMs: number;
  /** @default this flowtel (see `thisFlowtel`) */
  readonly command?: FlowtelCommand;
  /** The environment of `flowtel describe`. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The document is the last line of stdout, however much the files printed before it. */
const MAX_STDOUT_CHARS = 32 * 1024 * 1024;
const MAX_STDERR_CHARS = 16 * 1024;

/**
 * The flows that `paths` (files and folders, as `--flows` gives them) declare, read by a `flowtel
 * describe` child process: serve never imports a user's module, so a file that throws, leaks, blocks or
 * exits at import costs that child, not serve. A file the child was loading when it hung (killed after
 * `timeoutMs`) or died is a problem, and the other files are described again without it.
 */
export async function loadCatalog(paths: readonly string[], options: LoadCatalogOptions): Promise<Catalog> {
  const listed = listFlowFiles(paths);
  const problems = [...listed.problems];
  const flows: CatalogFlow[] = [];
  let files = listed.files;
  while (files.length > 0) {
    const outcome = await describe(files, options);
    if ('document' in outcome) {
      flows.push(...outcome.document.flows);
      problems.push(...outcome.document.problems);
      break;
    }
    problems.push({ file: outcome.culprit ?? null, message: outcome.message });
    if (outcome.culprit === undefined) break;
    files = files.filter((file) => file !== outcome.culprit);
  }
  const unique = withoutDuplicates(flows);
  return { flows: unique.flows, problems: [...problems, ...unique.problems] };
}

type Described = { document: DescribeDocument } | { culprit?: string; message: string };

function describe(files: readonly string[], options: LoadCatalogOptions): Promise<Described> {
  const command = options.command ?? thisFlowtel();
  const child = spawn(command.execPath, [...command.args, 'describe', ...files], {
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = new OutputTail(MAX_STDOUT_CHARS);
  const stderr = new OutputTail(MAX_STDERR_CHARS);
  let loading: string | undefined;
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk);
    // The file being loaded, from the child's progress lines: the one to blame if it never finishes.
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines)
      if (line.startsWith(LOADING_PREFIX)) loading = line.slice(LOADING_PREFIX.length);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    // SIGKILL: a file whose top-level code blocks the event loop never runs a SIGTERM handler.
    child.kill('SIGKILL');
  }, options.timeoutMs);
  return new Promise((resolve) => {
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ message: `cannot start flowtel describe: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        return resolve({
          ...(loading === undefined ? {} : { culprit: loading }),
          message: `did not finish loading within ${humanDuration(options.timeoutMs)} (does its top-level code block or wait?); the loader was stopped`,
        });
      }
      const document = lastLine(stdout.raw());
      if (code === 0 && document !== undefined) return resolve(parsed(document));
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const said = stderr.lines(1) ? `: ${stderr.lines(1)}` : '';
      resolve({
        ...(loading === undefined ? {} : { culprit: loading }),
        message: `the process loading it ${how}${said}`,
      });
    });
  });
}

function lastLine(text: string): string | undefined {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.at(-1);
}

function parsed(line: string): Described {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { message: 'flowtel describe printed no document (a different flowtel version?)' };
  }
  const result = DescribeDocumentSchema.safeParse(value);
  if (result.success) return { document: result.data };
  const issues = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  return {
    message: `flowtel describe printed a document serve cannot read: ${issues.slice(0, 5).join('; ')}`,
  };
}

/** Each name once, the first declaration kept; every later one a problem naming both files. */
function withoutDuplicates(flows: readonly CatalogFlow[]): Catalog {
  const byName = new Map<string, CatalogFlow>();
  const problems: CatalogProblem[] = [];
  for (const flow of flows) {
    const first = byName.get(flow.name);
    if (first === undefined) {
      byName.set(flow.name, flow);
      continue;
    }
    problems.push({
      file: flow.file,
      message: `flow name '${flow.name}' is declared twice: by ${where(first)} and by ${where(flow)}; serve uses the first`,
    });
  }
  return { flows: [...byName.values()], problems };
}

function where(flow: CatalogFlow): string {
  return `${flow.file} (export ${flow.exportName})`;
}
