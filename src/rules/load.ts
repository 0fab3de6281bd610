import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { ChannelDefinition } from '../alerts/channels.ts';
import { readLoadTimeout } from '../config.ts';
import { importUserModule, loadFailure } from '../user-module.ts';
import { RulesLoadError } from './errors.ts';
import { type Problem, problemsFromIssues } from './problems.ts';
import { type LoadedRules, mergeRuleFiles, type ParsedFile } from './resolve.ts';
import {
  DefaultsSchema,
  LinksSchema,
  RuleSchema,
  type RulesFile,
  RulesFileSchema,
  SilenceSchema,
} from './schema.ts';
import { checkMergedRules } from './validate.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface LoadOptions {
  /** Where secrets are looked up, for the "unconfigured channel" warnings. @default process.env */
  readonly env?: Env;
  /** Paths in problems are shown relative to this folder. @default process.cwd() */
  readonly cwd?: string;
  /** How long a TypeScript rules file may take to import. @default FLOWTEL_LOAD_TIMEOUT, else 30 s */
  readonly loadTimeoutMs?: number;
}

const RULE_FILE = /\.(ts|mts|yaml|yml)$/;
// Test files (`rules test`), type declarations and recordings may sit next to the rules; they are not rules.
const NOT_A_RULE_FILE = /(\.test\.|\.spec\.|\.d\.ts$)/;

/**
 * Reads every rules file of a folder (and its subfolders) and reports every problem at once: syntax,
 * schema, duplicates across files, unknown channels (errors) and unconfigured channels (warnings).
 * `rules` is undefined only when the folder itself cannot be read.
 */
export async function inspectRules(
  dir: string,
  options: LoadOptions = {},
): Promise<{ rules: LoadedRules | undefined; problems: Problem[] }> {
  const cwd = options.cwd ?? process.cwd();
  const shown = (file: string) => relative(cwd, file) || file;
  let files: string[];
  try {
    files = await listRuleFiles(dir);
  } catch (error) {
    const message = `cannot read the rules folder: ${(error as Error).message}`;
    return { rules: undefined, problems: [{ severity: 'error', file: shown(dir), path: '', message }] };
  }
  const timeoutMs = options.loadTimeoutMs ?? readLoadTimeout();
  const problems: Problem[] = [];
  const parsed: ParsedFile[] = [];
  for (const file of files) {
    const result = await readRulesFile(file, shown(file), timeoutMs);
    append(problems, result.problems);
    if (result.parsed) parsed.push(result.parsed);
  }
  const merged = mergeRuleFiles(parsed);
  append(problems, merged.problems);
  append(problems, checkMergedRules(merged.rules, options.env ?? process.env));
  return { rules: merged.rules, problems };
}

/** Loads a rules folder for the engine; throws `RulesLoadError` listing every error (warnings pass). */
export async function loadRules(dir: string, options: LoadOptions = {}): Promise<LoadedRules> {
  const { rules, problems } = await inspectRules(dir, options);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0 || rules === undefined) throw new RulesLoadError(dir, errors);
  return rules;
}

async function listRuleFiles(dir: string): Promise<string[]> {
  if (!(await stat(dir)).isDirectory()) throw new Error(`${dir} is not a folder`);
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && RULE_FILE.test(e.name) && !NOT_A_RULE_FILE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** `push(...items)` without its limit: a folder of 130,000 rules has as many problems as arguments. */
function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

async function readRulesFile(
  file: string,
  shown: string,
  timeoutMs: number,
): Promise<{ parsed?: ParsedFile; problems: Problem[] }> {
  const ext = extname(file);
  let raw: unknown;
  let lineOf: ((path: readonly PropertyKey[]) => number | undefined) | undefined;
  if (ext === '.yaml' || ext === '.yml') {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      return { problems: [fileProblem(shown, `cannot read: ${(error as Error).message}`)] };
    }
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false });
    if (doc.errors.length > 0) {
      return {
        problems: doc.errors.map((e) => ({
          severity: 'error' as const,
          file: shown,
          line: lineCounter.linePos(e.pos[0]).line,
          path: '',
          message: `YAML syntax: ${e.message.split('\n')[0]}`,
        })),
      };
    }
    try {
      raw = doc.toJS() ?? {};
    } catch (error) {
      // yaml refuses a document whose aliases expand without bound (a "billion laughs" file).
      return { problems: [fileProblem(shown, `YAML: ${(error as Error).message}`)] };
    }
    lineOf = (path) => {
      // The nearest node that exists: a missing key is reported at its parent.
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n) as unknown[], true) as
          | { range?: [number, number, number] }
          | undefined;
        if (node?.range && (n > 0 || isMap(node) || isSeq(node)))
          return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    };
  } else {
    try {
      raw = (await importUserModule(file, timeoutMs)).default;
    } catch (error) {
      return { problems: [fileProblem(shown, `cannot import: ${loadFailure(error)}`)] };
    }
    if (raw === undefined)
      return { problems: [fileProblem(shown, 'must `export default defineRules({ ... })`')] };
  }
  let result: ReturnType<typeof RulesFileSchema.safeParse>;
  try {
    result = RulesFileSchema.safeParse(raw);
  } catch (error) {
    // A getter of the exported object threw while it was read.
    return { problems: [fileProblem(shown, `cannot read its export: ${loadFailure(error)}`)] };
  }
  if (!result.success) {
    const problems = problemsFromIssues(shown, result.error.issues, raw, lineOf);
    return { parsed: { file: shown, content: salvage(raw) }, problems };
  }
  return { parsed: { file: shown, content: result.data }, problems: [] };
}

function fileProblem(file: string, message: string): Problem {
  return { severity: 'error', file, path: '', message };
}

/**
 * The valid parts of a file with errors (each channel, rule, silence, defaults, links on its own), so the
 * folder-wide checks (duplicates, unknown channels) still run and every problem shows in one pass. The
 * folder is not loaded for the engine either way: the file's own errors are reported.
 */
function salvage(raw: unknown): RulesFile {
  if (raw === null || typeof raw !== 'object') return {};
  const { channels, defaults, links, rules, silences } = raw as Record<string, unknown>;
  const content: RulesFile = {};
  if (channels !== null && typeof channels === 'object') {
    const valid = Object.entries(channels).flatMap(([name, value]) => {
      const parsed = ChannelDefinition.safeParse(value);
      return parsed.success ? [[name, parsed.data] as const] : [];
    });
    content.channels = Object.fromEntries(valid);
  }
  const parsedDefaults = DefaultsSchema.safeParse(defaults);
  if (defaults !== undefined && parsedDefaults.success) content.defaults = parsedDefaults.data;
  const parsedLinks = LinksSchema.safeParse(links);
  if (links !== undefined && parsedLinks.success) content.links = parsedLinks.data;
  if (Array.isArray(rules)) content.rules = validItems(rules, RuleSchema);
  if (Array.isArray(silences)) content.silences = validItems(silences, SilenceSchema);
  return content;
}

function validItems<T>(
  items: unknown[],
  schema: { safeParse(value: unknown): { success: boolean; data?: T } },
): T[] {
  return items.flatMap((item) => {
    const parsed = schema.safeParse(item);
    return parsed.success && parsed.data !== undefined ? [parsed.data] : [];
  });
}
