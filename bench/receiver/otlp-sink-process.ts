import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface SinkCounts {
  readonly spans: number;
  readonly logs: number;
  readonly metrics: number;
  readonly requests: number;
}

export interface OtlpSink {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  counts(): Promise<SinkCounts>;
  stop(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('./otlp-sink.ts', import.meta.url));

/** Starts `otlp-sink.ts` in a child process and answers once it listens. */
export async function startOtlpSink(): Promise<OtlpSink> {
  const child = spawn(
    process.execPath,
    ['--conditions=flowtel-source', '--import', import.meta.resolve('tsx'), SERVER],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n')[0];
      if (output.includes('\n') && line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`the OTLP sink exited (code ${code}) before listening`)));
  });
  return {
    url,
    async counts() {
      const response = await fetch(`${url}/counts`);
      return (await response.json()) as SinkCounts;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
