/**
 * The names a query uses, read from its text: for PromQL the metrics, the labels of their matchers and
 * the grouping labels; for TraceQL the attributes and intrinsics. Just enough of each language to check
 * the dashboards' names against the series table and src/telemetry/keys.ts; tested in query-names.test.ts.
 */

const STRING = /"(?:[^"\\]|\\.)*"|`[^`]*`/g;
const IDENTIFIER = /[a-zA-Z_:][a-zA-Z0-9_:]*/g;
const PROMQL_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

export interface PromqlNames {
  /** Metric (sample) names, in order of appearance. */
  readonly metrics: string[];
  /** metric → the labels its matchers name. */
  readonly matcherLabels: Map<string, string[]>;
  /** Labels of `by (…)`, `without (…)`, `on (…)`, `ignoring (…)`. */
  readonly groupingLabels: string[];
}

export function promqlNames(expr: string): PromqlNames {
  const metrics: string[] = [];
  const matcherLabels = new Map<string, string[]>();
  const groupingLabels: string[] = [];
  let rest = expr.replace(STRING, '""');
  rest = rest.replace(
    /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_, labels: string) => {
      groupingLabels.push(
        ...labels
          .split(',')
          .map((label) => label.trim())
          .filter(Boolean),
      );
      return ' ';
    },
  );
  rest = rest.replace(
    /([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}/g,
    (_, metric: string | undefined, matchers: string) => {
      const labels = matchers
        .split(',')
        .map((matcher) => /^\s*([a-zA-Z_][a-zA-Z0-9_]*)/.exec(matcher)?.[1])
        .filter((label): label is string => label !== undefined);
      const name = metric ?? '';
      if (name) matcherLabels.set(name, [...(matcherLabels.get(name) ?? []), ...labels]);
      return ` ${name} `;
    },
  );
  rest = rest.replace(/\[[^\]]*\]/g, ' ');
  for (const match of rest.matchAll(IDENTIFIER)) {
    const word = match[0];
    const after = rest.slice((match.index ?? 0) + word.length);
    if (/^\s*\(/.test(after) || PROMQL_KEYWORDS.has(word.toLowerCase())) continue;
    metrics.push(word);
  }
  return { metrics, matcherLabels, groupingLabels };
}

/** TraceQL's intrinsics and the words of its syntax, which are not attributes. */
export const TRACEQL_WORDS = new Set([
  'status',
  'name',
  'duration',
  'kind',
  'statusMessage',
  'rootName',
  'rootServiceName',
  'traceDuration',
  'error',
  'ok',
  'unset',
  'nil',
  'true',
  'false',
  'server',
  'client',
  'internal',
  'producer',
  'consumer',
]);

export interface TraceqlNames {
  /** Scoped attributes as written: `span.cicd.pipeline.name` → scope `span`, name `cicd.pipeline.name`. */
  readonly attributes: { scope: string; name: string }[];
  /** Bare words: intrinsics, keywords, and anything else the query names without a scope. */
  readonly words: string[];
}

export function traceqlNames(query: string): TraceqlNames {
  const attributes: { scope: string; name: string }[] = [];
  let rest = query.replace(STRING, '""');
  rest = rest.replace(
    /(\b(?:span|resource|event|link|instrumentation)|(?<![\w.]))\.([a-zA-Z_][\w.]*)/g,
    (_, scope: string, name: string) => {
      attributes.push({ scope: scope || '', name });
      return ' ';
    },
  );
  const words = [...rest.matchAll(/[a-zA-Z_]\w*/g)].map((match) => match[0]);
  return { attributes, words };
}
