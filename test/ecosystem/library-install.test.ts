import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fittingLine, installSdk } from '../../src/otel/peer.ts';
import {
  INSTALL_TIMEOUT_MS,
  installedPackages,
  nodeScript,
  npm,
  npmInstall,
  packFlowtel,
  userProject,
} from './project.ts';

const RUN_A_FLOW = `
import { flow, task } from 'flowtel';
const double = task('double', async (n) => n * 2);
const answer = flow({ name: 'library-only' }, async () => double(21));
console.log(JSON.stringify({ result: await answer() }));
`;

const SET_UP_TELEMETRY = `
import { setupTelemetry } from 'flowtel/otel';
try {
  await setupTelemetry();
  console.log('set up');
} catch (error) {
  console.log(JSON.stringify({ name: error.name, message: error.message }));
}
`;

/** The SDK, the exporters, SQLite, the TypeScript loader, protobuf: none belongs to a library-only install. */
const HEAVY =
  /^(@opentelemetry\/(sdk-|exporter-|otlp-|core$|resources$|context-)|better-sqlite3$|tsx$|esbuild$)/;

let work: string;
let tarball: string;
const projects: string[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'flowtel-pack-'));
  tarball = packFlowtel(work);
}, INSTALL_TIMEOUT_MS);

afterAll(() => {
  for (const dir of [work, ...projects]) rmSync(dir, { recursive: true, force: true });
});

describe.each(['1.9', '1.10'])('npm install flowtel in a project on @opentelemetry/api %s', (api) => {
  let dir: string;
  let install: { code: number | null; output: string };

  beforeAll(() => {
    dir = userProject('flowtel-library-');
    projects.push(dir);
    install = npmInstall(dir, [tarball, `@opentelemetry/api@${api}`], ['--omit=optional']);
  }, INSTALL_TIMEOUT_MS);

  it('installs without a native build, a peer conflict or a peer warning', () => {
    expect(install.code, install.output).toBe(0);
    expect(install.output).not.toMatch(/node-gyp|prebuild-install|ERESOLVE|peer dep|overriding peer/i);
    const ls = npm(dir, ['ls', '--all']);
    expect(ls.code, ls.output).toBe(0);
  });

  it('installs neither the SDK nor SQLite nor the TypeScript loader', () => {
    expect(installedPackages(dir).filter((name) => HEAVY.test(name))).toEqual([]);
  });

  it('runs a flow with the API alone', () => {
    const run = nodeScript(dir, RUN_A_FLOW, { OTEL_SDK_DISABLED: 'true' });
    expect(run.output.trim()).toBe(JSON.stringify({ result: 42 }));
  });

  it('says which command installs the SDK when flowtel/otel is asked to set it up', () => {
    const run = nodeScript(dir, SET_UP_TELEMETRY, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    const answer = JSON.parse(run.output.split('\n').find((line) => line.startsWith('{')) ?? '{}');
    expect(answer.name).toBe('MissingPeerError');
    expect(answer.message).toMatch(
      /^telemetry needs @opentelemetry\/\S+, which is not installed: npm install /,
    );
    // The SDK line that fits: 3.x for API 1.10 on Node >= 22.15, else 2.x.
    expect(answer.message).toContain(installSdk(fittingLine(api === '1.10')));
  });
});
