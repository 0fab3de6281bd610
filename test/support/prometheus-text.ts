import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Prometheus text exposition (format 0.0.4) read back the way Prometheus reads it: `# TYPE` and
 * `# HELP` lines, samples `name{label="value",...} value`, label values with `\\`, `\"` and `\n`
 * escapes. Anything else is an error naming the line, so a test fails on output a scraper would refuse.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const SUFFIXES: Record<string, readonly string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count', ''],
};

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const familyOf = (sample: string): Family | undefined => {
    for (const family of families.values()) {
      const suffixes = SUFFIXES[family.type] ?? [''];
      if (suffixes.some((suffix) => `${family.name}${suffix}` === sample)) return family;
    }
    return undefined;
  };
  text.split('\n').forEach((line, index) => {
    const fail = (why: string) => new Error(`line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
    if (line.trim() === '') return;
    const meta = /^# (TYPE|HELP) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name = '', rest = ''] = meta;
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      families.set(name, kind === 'TYPE' ? { ...family, type: rest } : { ...family, help: rest });
      return;
    }
    if (line.startsWith('#')) return;
    const sample = parseSample(line, fail);
    const family = familyOf(sample.name);
    if (!family) throw fail('a sample before its # TYPE line');
    family.samples.push(sample);
  });
  return families;
}

function parseSample(line: string, fail: (why: string) => Error): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw fail('no metric name');
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at += 1;
    while (line[at] !== '}') {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
      if (!label?.[1]) throw fail('a label without name="value"');
      at += label[0].length;
      let value = '';
      for (; line[at] !== '"'; at += 1) {
        if (at >= line.length) throw fail('an unterminated label value');
        if (line[at] === '\\') {
          at += 1;
          const escaped = line[at];
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw fail(`an unknown escape \\${escaped}`);
        } else value += line[at];
      }
      if (label[1] in labels) throw fail(`label ${label[1]} twice`);
      labels[label[1]] = value;
      at += 1;
      if (line[at] === ',') at += 1;
      else if (line[at] !== '}') throw fail('labels not separated by commas');
    }
    at += 1;
  }
  const [valueText, timestamp, ...extra] = line.slice(at).trim().split(/\s+/);
  const value = floatOf(valueText);
  if (value === undefined || extra.length > 0) throw fail('not one value');
  if (timestamp !== undefined && !/^-?\d+$/.test(timestamp)) throw fail('a timestamp that is not an integer');
  return { name, labels, value };
}

/** A value as Go's ParseFloat (Prometheus's parser) reads it: NaN and Inf in any case, signed. */
function floatOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const special = text.toLowerCase();
  if (special === 'nan') return Number.NaN;
  if (special === 'inf' || special === '+inf') return Number.POSITIVE_INFINITY;
  if (special === '-inf') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? undefined : value;
}

/** The samples of `name` (a sample name, e.g. `x_count`) whose labels include `where`. */
export function samples(
  families: Map<string, Family>,
  name: string,
  where: Readonly<Record<string, string>> = {},
): Sample[] {
  return [...families.values()]
    .flatMap((family) => family.samples)
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v));
}

/** The sum of the values of `samples(...)`: 0 when there are none. */
export function total(
  families: Map<string, Family>,
  name: string,
  where: Record<string, string> = {},
): number {
  return samples(families, name, where).reduce((sum, s) => sum + s.value, 0);
}

const INSTALL_APT = resolve(import.meta.dirname, '../../scripts/install-apt.sh');

/**
 * `promtool check metrics` on an exposition: Prometheus's own parser and linter. `parsed` is false when
 * Prometheus could not read it (exit 1); `problems` are the lint findings, one a line (exit 3). promtool comes from
 * Debian's `prometheus` package; when it is missing, `scripts/install-apt.sh` (CI's installer) is run
 * if it exists, else this fails saying how to get it.
 */
export function promtoolCheckMetrics(exposition: string): {
  parsed: boolean;
  problems: string[];
  output: string;
} {
  if (!hasPromtool()) {
    if (!existsSync(INSTALL_APT)) {
      throw new Error(
        "promtool not found: install Debian's prometheus package (apt-get install -y prometheus)",
      );
    }
    const install = spawnSync('sh', [INSTALL_APT], { encoding: 'utf8' });
    if (install.status !== 0 || !hasPromtool()) {
      throw new Error(
        `promtool not found, and ${join('scripts', 'install-apt.sh')} did not install it:\n${install.stderr}`,
      );
    }
  }
  const check = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  const output = `${check.stdout}${check.stderr}`;
  if (check.status !== 0 && check.status !== 3) return { parsed: false, problems: [], output };
  return { parsed: true, problems: output.split('\n').filter((line) => line.trim() !== ''), output };
}

function hasPromtool(): boolean {
  return spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
}
