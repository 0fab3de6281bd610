/**
 * A real Prometheus (Debian's `prometheus`, 2.42, installed by scripts/install-apt.sh) on loopback for
 * tests, scraping one target with the scrape configuration of deploy/prometheus.yml: the same job and
 * path, the target rewritten to the given host:port, a short scrape interval and a temporary storage dir.
 *
 *   const prometheus = await startPrometheus({ target: '127.0.0.1:4100' });
 *   await prometheus.waitForScrapes(3);
 *   const samples = await prometheus.query('sum(flowtel_outbox_depth)');
 *   await prometheus.stop();
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export const PROMETHEUS_CONFIG = new URL('../../deploy/prometheus.yml', import.meta.url);

/** The path of a Prometheus binary (`prometheus`, `promtool`), or a clear error saying how to get it. */
export function prometheusBinary(name: 'prometheus' | 'promtool'): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is not installed: run scripts/install-apt.sh (Debian's prometheus package)`);
  }
}

export interface PrometheusOptions {
  /** `host:port` of the /metrics endpoint to scrape (serve's API port). */
  readonly target: string;
  /** @default '1s' */
  readonly scrapeInterval?: string;
  /** Sent as `Authorization: Bearer …` on every scrape; without it the scrape sends no credentials. */
  readonly bearerToken?: string;
}

export interface PromSample {
  readonly metric: Record<string, string>;
  /** The value as Prometheus prints it (`"NaN"` and `"+Inf"` included). */
  readonly value: string;
}

export interface RunningPrometheus {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:41303`. */
  readonly url: string;
  /** The configuration file it runs with, derived from deploy/prometheus.yml. */
  readonly configFile: string;
  /** An instant query through `/api/v1/query`; rejects with Prometheus's own error for a bad one. */
  query(expr: string, time?: Date): Promise<PromSample[]>;
  /** Resolves once the target has been scraped successfully `count` times. */
  waitForScrapes(count: number): Promise<void>;
  stop(): Promise<void>;
}

/** Writes the scrape configuration of deploy/prometheus.yml aimed at `options.target` into `dir`. */
export async function writeDerivedConfig(dir: string, options: PrometheusOptions): Promise<string> {
  const config = parse(await readFile(PROMETHEUS_CONFIG, 'utf8'));
  const interval = options.scrapeInterval ?? '1s';
  config.global = { ...config.global, scrape_interval: interval, evaluation_interval: interval };
  for (const job of config.scrape_configs) {
    job.static_configs = [{ targets: [options.target] }];
    if (options.bearerToken === undefined) {
      delete job.authorization;
    } else {
      const tokenFile = join(dir, 'token');
      await writeFile(tokenFile, options.bearerToken, { mode: 0o600 });
      job.authorization = { type: 'Bearer', credentials_file: tokenFile };
    }
  }
  const file = join(dir, 'prometheus.yml');
  await writeFile(file, stringify(config));
  return file;
}

const LISTENING = /msg="Listening on" address=([\d.]+:\d+)/;
const READY = 'Server is ready to receive web requests';

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const binary = prometheusBinary('prometheus');
  const dir = await mkdtemp(join(tmpdir(), 'flowtel-prometheus-'));
  const configFile = await writeDerivedConfig(dir, options);
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      // Port 0: the kernel picks a free port, which Prometheus logs; no race with other tests.
      '--web.listen-address=127.0.0.1:0',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let url: string;
  try {
    url = await readyAddress(child);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  async function query(expr: string, time?: Date): Promise<PromSample[]> {
    const body = new URLSearchParams({ query: expr });
    if (time) body.set('time', String(time.getTime() / 1000));
    const response = await fetch(`${url}/api/v1/query`, { method: 'POST', body });
    const answer = (await response.json()) as {
      status: string;
      error?: string;
      data?: {
        resultType: string;
        result: { metric: Record<string, string>; value: [number, string] }[] | [number, string];
      };
    };
    if (answer.status !== 'success' || !answer.data) {
      throw new Error(`Prometheus refused ${expr}: ${answer.error ?? response.status}`);
    }
    const { resultType, result } = answer.data;
    if (resultType === 'scalar') return [{ metric: {}, value: (result as [number, string])[1] }];
    return (result as { metric: Record<string, string>; value: [number, string] }[]).map((sample) => ({
      metric: sample.metric,
      value: sample.value[1],
    }));
  }

  return {
    url,
    configFile,
    query,
    async waitForScrapes(count) {
      // Polls Prometheus's own count of successful scrapes; the outcome is decided by that count, and
      // the test's timeout bounds the wait.
      for (;;) {
        const [sample] = await query('sum(sum_over_time(up[1h]))');
        if (sample && Number(sample.value) >= count) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The API URL once Prometheus logs its bound address and then that it is ready; its log if it exits. */
function readyAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let log = '';
    let address: string | undefined;
    child.stderr?.setEncoding('utf8');
    const onLog = (chunk: string) => {
      log += chunk;
      address ??= LISTENING.exec(log)?.[1];
      if (address && log.includes(READY)) {
        child.stderr?.off('data', onLog);
        child.stderr?.resume(); // keep draining the pipe, or a chatty Prometheus would block on it
        resolve(`http://${address}`);
      }
    };
    child.stderr?.on('data', onLog);
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`prometheus exited with ${code} before it was ready:\n${log}`)),
    );
  });
}
