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
      message: messageOf(issue),
    };
    return line === undefined ? base : { ...base, line };
  });
}

/** zod's messages, reworded where its default says less than the issue knows. */
function messageOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    case 'invalid_union': {
      // A discriminated union names its options on the issue, though the type does not say so.
      const options = (issue as { options?: unknown }).options;
      if (Array.isArray(options)) return `must be one of ${options.map((o) => `'${String(o)}'`).join(', ')}`;
      return issue.message;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => `'${String(v)}'`).join(', ')}`;
    case 'invalid_type':
      if (/received undefined$/.test(issue.message)) return `is missing (expected ${issue.expected})`;
      return issue.message.replace(/^Invalid input: /, '');
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}
