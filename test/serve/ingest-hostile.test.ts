import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, statusOf } from '../receiver/requests.ts';
import { tempDir } from '../support/cli.ts';
import { type ServeProcess, startServe, until } from '../support/serve.ts';
import { API_FIXTURES, runIdOf, runReportingTo } from './fixtures/api/support.ts';

/**
 * Hostile bodies at a real serve's OTLP port, while a real `flowtel run` exports a long run to it:
 * each refused with its status and a message, and the run arrives whole.
 */

const STREAM = join(API_FIXTURES, 'stream/stream.ts');
let serve: ServeProcess;
beforeAll(async () => {
  serve = await startServe([]);
}, 60_000);
afterAll(async () => {
  await serve?.stop();
});

/** 10 MB of gzip that would inflate to 10 GiB: 10,000 members of 1 MiB of zeros each. */
function gzipBomb(): Buffer {
  const member = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
  return Buffer.concat(Array.from({ length: 10_000 }, () => member));
}

async function answer(response: Response) {
  return { status: response.status, message: (await statusOf(response)).message };
}

describe("serve's OTLP port under hostile bodies", () => {
  it('refuses each with its status and a message while a concurrent exporter loses nothing', async () => {
    const dir = tempDir('flowtel-stream-');
    const release = join(dir, 'release');
    const report = join(dir, 'report');
    const streaming = runReportingTo(serve, 'http/protobuf', STREAM, [
      '--param',
      `release=${release}`,
      '--param',
      `report=${report}`,
    ]);
    // The run is under way (serve has heard of it) before the hostile bodies come.
    await until('the streaming run in history', async () => {
      const { body } = await serve.api('/api/v1/runs?flow=api-stream');
      return body.runs[0]?.state.name === 'Running' ? true : undefined;
    });

    const traces = `${serve.otlpUrl}/v1/traces`;
    const JSON_TYPE = { 'content-type': 'application/json' };
    const PROTOBUF = { 'content-type': 'application/x-protobuf' };
    const answers = await Promise.all([
      post(traces, 'not protobuf at all', PROTOBUF).then(answer),
      post(`${serve.otlpUrl}/v1/logs`, '{"resourceLogs": [', JSON_TYPE).then(answer),
      post(traces, 'hello', { 'content-type': 'text/plain' }).then(answer),
      post(traces, new Uint8Array(17 * 1024 * 1024), PROTOBUF).then(answer),
      post(traces, gzipBomb(), { ...JSON_TYPE, 'content-encoding': 'gzip' }).then(answer),
    ]);
    expect(answers).toEqual([
      {
        status: 400,
        message: expect.stringMatching(/^body is not a valid protobuf ExportTraceServiceRequest/),
      },
      { status: 400, message: 'body is not valid JSON' },
      { status: 415, message: expect.stringContaining('unsupported content type "text/plain"') },
      { status: 413, message: 'body is larger than 16777216 bytes' },
      { status: 413, message: 'body is larger than 16777216 bytes once decompressed' },
    ]);

    writeFileSync(release, '');
    const run = await streaming;
    expect(run.code).toBe(0);
    expect(existsSync(report)).toBe(true);
    const retried = Number(readFileSync(report, 'utf8'));
    expect(retried).toBeGreaterThan(0);

    const id = runIdOf(run.stdout);
    const detail = await until('the streaming run complete in history', async () => {
      const { body } = await serve.api(`/api/v1/runs/${id}`);
      return body.state?.name === 'Completed' && body.taskRuns.length === retried ? body : undefined;
    });
    expect(
      detail.taskRuns.every(
        (task: { attempts: number; state: { name: string } }) =>
          task.attempts === 2 && task.state.name === 'Completed',
      ),
    ).toBe(true);
    const health = await serve.api('/healthz');
    expect(health.body.rejected.requests).toBe(5);
  }, 90_000);
});
