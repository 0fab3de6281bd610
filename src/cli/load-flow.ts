import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isFlow } from '../runtime/brand.ts';
import type { Flow } from '../runtime/flow.ts';
import { importUserModule, loadFailure } from '../user-module.ts';
import { UsageError } from './usage.ts';

type AnyFlow = Flow<unknown, unknown>;

const TYPESCRIPT = /\.(ts|mts|cts|tsx)$/;

/**
 * Imports the user's file and picks the flow to run: the only flow it exports, or the one named by
 * `--flow` (its flow name or export name). A file that does not load, or exports no flow, is a usage
 * error that names it (see `importFlows`).
 */
export async function loadFlow(
  file: string,
  wanted: string | undefined,
  timeoutMs: number,
): Promise<AnyFlow> {
  const unique = await importFlows(file, timeoutMs);
  if (unique.length === 0) throw new UsageError(`${file} exports no flow: export one made with flow(...)`);
  if (wanted !== undefined) {
    const match = unique.find(([exportName, value]) => value.flowName === wanted || exportName === wanted);
    if (!match) {
      throw new UsageError(`${file} has no flow named '${wanted}'; it has: ${describe(unique)}`);
    }
    return match[1];
  }
  if (unique.length > 1)
    throw new UsageError(`${file} exports several flows; pick one with --flow: ${describe(unique)}`);
  return unique[0]![1];
}

/**
 * The flows a file exports, each once (under one of its export names). Flows are recognised by
 * their brand, so a file that uses another copy of flowtel works too. TypeScript files load through
 * tsx, registered only when needed. A file that does not load (a syntax error, a throw, a top-level
 * await past `timeoutMs`) is a usage error that names it.
 */
export async function importFlows(file: string, timeoutMs: number): Promise<Array<[string, AnyFlow]>> {
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`cannot find ${file}`);
  if (TYPESCRIPT.test(path)) await registerTypeScript();
  let module: Record<string, unknown>;
  try {
    module = await importUserModule(path, timeoutMs);
  } catch (error) {
    throw new UsageError(`${file} does not load: ${loadFailure(error)}`);
  }
  const flows = exportedValues(module).filter(([, value]) => isFlow(value)) as Array<[string, AnyFlow]>;
  return [...new Map(flows.map(([name, value]) => [value, name])).entries()].map(([value, name]) => [
    name,
    value,
  ]);
}

async function registerTypeScript(): Promise<void> {
  // Node 20 cannot strip types. When the CLI itself runs under tsx, the loader is already in place.
  if (process.execArgv.some((arg) => arg.includes('tsx'))) return;
  // Both hooks: in a package without "type": "module", tsx compiles a .ts file as CommonJS.
  const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).catch((error) => {
    // tsx is an optional peer dependency: only TypeScript flow files need it.
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new UsageError(
      'flowtel run loads TypeScript flow files with tsx, which is not installed: npm install tsx',
    );
  });
  cjs.register();
  esm.register();
}

/**
 * The module's exports, and those of its CommonJS `module.exports` when it was compiled as CommonJS
 * (then an ES import sees them under `default`).
 */
function exportedValues(module: Record<string, unknown>): Array<[string, unknown]> {
  const entries = Object.entries(module);
  const inner = module.default;
  if (typeof inner === 'object' && inner !== null && !isFlow(inner)) {
    entries.push(
      ...Object.entries(inner as Record<string, unknown>).filter(([name]) => name !== '__esModule'),
    );
  }
  return entries;
}

function describe(flows: Array<[string, AnyFlow]>): string {
  return flows
    .map(([exportName, value]) =>
      value.flowName === exportName ? exportName : `${value.flowName} (export ${exportName})`,
    )
    .join(', ');
}
