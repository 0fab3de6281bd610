import type { z } from 'zod';

/**
 * A problem found in a rules folder: where (file, optional line, readable path) and what. `rules check`
 * prints one line per problem; errors make it exit 1, warnings do not.
 */
export interface Problem {
  readonly severity: 'error' | 'warning';
  readonly file: string;
  readonly line?: number;
  /** Readable path inside the file, e.g. `rules[orders-slow].when.duration`; '' for the whole file. */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(problem: Problem, file = problem.file): string {
  const where = problem.line === undefined ? file : `${file}:${problem.line}`;
  const path = problem.path === '' ? '' : ` ${problem.path}:`;
  const warning = problem.severity === 'warning' ? ' warning:' : '';
  return `${where}:${path}${warning} ${problem.message}`;
}

/**
 * `['rules', 2, 'when', 'duration']` → `rules[orders-slow].when.duration` when rule 2 has a name in the
 * raw data (a name is easier to find than an index), else `rules[2].when.duration`.
 */
export function readablePath(path: readonly PropertyKey[], raw?: unknown): string {
  let out = '';
  let node: unknown = raw;
  for (const key of path) {
    if (typeof key === 'number') {
      const item = Array.isArray(node) ? node[key] : undefined;
      const name = nameOf(item);
      out += name === undefined ? `[${key}]` : `[${name}]`;
    } else {
      const text = String(key);
      out += out === '' ? text : /^[A-Za-z_$][\w$-]*$/.test(text) ? `.${text}` : `[${JSON.stringify(text)}]`;
    }
    node =
      node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return out;
}

function nameOf(item: unknown): string | undefined {
  if (item === null || typeof item !== 'object') return undefined;
  const name = (item as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** zod 4 issues as problems of one file; `lineOf` maps a path to a line when the format knows it (YAML). */
export function problemsFromIssues(
  file: string,
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  lineOf?: (path: readonly PropertyKey[]) => number | undefined,
): Problem[] {
  return issues.map((issue) => {
    const line = lineOf?.(issue.path);
    const base = {
      severity: 'error' as const,
      file,
      path: readablePath(issue.path, raw),
      message: messageOf(issue, valueAt(raw, issue.path)),
    };
    return line === undefined ? base : { ...base, line };
  });
}

/** zod's messages, reworded where its default says less than the issue knows; `value` is what was refused. */
function messageOf(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    case 'invalid_union': {
      const options = unionOptions(issue);
      if (options !== undefined) return oneOf(options, value);
      // A union of shapes (a time: ISO string, Date or epoch ms) says only "Invalid input" when it is absent.
      return value === undefined ? 'is missing' : issue.message;
    }
    case 'invalid_value':
      return oneOf(issue.values, value);
    case 'invalid_type':
      if (/received undefined$/.test(issue.message)) return `is missing (expected ${issue.expected})`;
      return issue.message.replace(/^Invalid input: /, '');
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

/**
 * The values a union accepts: a discriminated union names them on the issue (though its type does not
 * say so); a union of literals has one `invalid_value` per branch.
 */
function unionOptions(issue: z.core.$ZodIssueInvalidUnion): readonly unknown[] | undefined {
  const options = (issue as { options?: unknown }).options;
  if (Array.isArray(options)) return options;
  const branches = issue.errors.map((branch) => (branch.length === 1 ? branch[0] : undefined));
  if (branches.length === 0 || !branches.every((b) => b?.code === 'invalid_value' && b.path.length === 0))
    return undefined;
  return branches.flatMap((b) => (b?.code === 'invalid_value' ? b.values : []));
}

/** `must be one of 'slack', 'email', 'webhook', got 'slak'`: the refused value named, as durations do. */
function oneOf(options: readonly unknown[], value: unknown): string {
  const accepted = `must be one of ${options.map((o) => `'${String(o)}'`).join(', ')}`;
  return value === undefined ? `is missing (${accepted})` : `${accepted}, got ${shown(value)}`;
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  return text.length <= 60 ? text : `${text.slice(0, 59)}…`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let node = raw;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}
