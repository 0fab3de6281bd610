/**
 * Screenshots of the run UI from headless Chromium over the DevTools protocol (dev only; Node 20 needs
 * --experimental-websocket). Usage: node --experimental-websocket --import tsx scripts/ui-dev/screenshots.ts
 * <base url> <out dir> <name>=<path>[@<script>] ...   The optional script runs in the page before the shot.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';

const [base, out, ...shots] = process.argv.slice(2);
const chrome = spawn(
  '/usr/bin/chromium',
  [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--hide-scrollbars',
    '--remote-debugging-port=9333',
    '--window-size=1280,800',
    'about:blank',
  ],
  { stdio: 'ignore' },
);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function target(): Promise<string> {
  for (let i = 0; i < 100; i++) {
    try {
      const list = (await (await fetch('http://127.0.0.1:9333/json')).json()) as {
        type: string;
        webSocketDebuggerUrl: string;
      }[];
      const page = list.find((t) => t.type === 'page');
      if (page) return page.webSocketDebuggerUrl;
    } catch {}
    await sleep(200);
  }
  throw new Error('no chromium');
}

const ws = new WebSocket(await target());
await new Promise((r) => ws.addEventListener('open', r));
let next = 1;
const waiting = new Map<number, (v: { result?: Record<string, unknown>; error?: unknown }) => void>();
ws.addEventListener('message', (m) => {
  const msg = JSON.parse(String(m.data));
  if (['Runtime.consoleAPICalled', 'Runtime.exceptionThrown', 'Log.entryAdded'].includes(msg.method))
    console.log('page:', JSON.stringify(msg.params).slice(0, 300));
  waiting.get(msg.id)?.(msg);
});
function cdp(method: string, params: object = {}): Promise<Record<string, unknown>> {
  const id = next++;
  ws.send(JSON.stringify({ id, method, params }));
  return new Promise((resolve, reject) =>
    waiting.set(id, (msg) =>
      msg.error ? reject(new Error(JSON.stringify(msg.error))) : resolve(msg.result ?? {}),
    ),
  );
}
await cdp('Runtime.enable');
await cdp('Page.enable');
await cdp('Log.enable');
await cdp('Performance.enable');
if (process.env.DARK) {
  await cdp('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: 'dark' }] });
}
await cdp('Emulation.setDeviceMetricsOverride', {
  width: 1280,
  height: 800,
  deviceScaleFactor: 1,
  mobile: false,
});
for (const shot of shots) {
  const [name, rest] = shot.split(/=(.*)/s) as [string, string];
  const [path, script] = rest.split(/@(.*)/s) as [string, string | undefined];
  await cdp('Page.navigate', { url: base + path });
  await sleep(1500);
  if (script) {
    const metrics = async () =>
      Object.fromEntries(
        ((await cdp('Performance.getMetrics')).metrics as { name: string; value: number }[]).map((m) => [
          m.name,
          m.value,
        ]),
      );
    const before = await metrics();
    if (process.env.PROFILE) {
      await cdp('Profiler.enable');
      await cdp('Profiler.start');
    }
    const r = await cdp('Runtime.evaluate', { expression: script, awaitPromise: true, returnByValue: true });
    console.log(name, 'script ->', JSON.stringify((r.result as { value?: unknown })?.value));
    const after = await metrics();
    if (process.env.PROFILE) {
      const { profile } = (await cdp('Profiler.stop')) as {
        profile: {
          nodes: {
            id: number;
            callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
          }[];
          samples: number[];
        };
      };
      const self = new Map<string, number>();
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      for (const id of profile.samples) {
        const f = byId.get(id)!.callFrame;
        const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.columnNumber}`;
        self.set(key, (self.get(key) ?? 0) + 1);
      }
      console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, 15));
    }
    const spent = ['ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration', 'TaskDuration'].map(
      (k) => `${k} ${((after[k]! - before[k]!) * 1000).toFixed(0)} ms`,
    );
    console.log(name, spent.join(', '));
    await sleep(800);
  }
  const { data } = (await cdp('Page.captureScreenshot', { format: 'png' })) as { data: string };
  await writeFile(`${out}/${name}.png`, Buffer.from(data, 'base64'));
  console.log('shot', name);
}
ws.close();
chrome.kill();
