/**
 * Name patterns for flows, tasks, tags and silence matchers: `*` matches any run of characters, `?` one
 * character, everything else itself. Names are not paths, so there is no `/` special case (picomatch is
 * in node_modules only as a transitive dependency, and `path.matchesGlob` is experimental on Node 20).
 */

export type NameMatcher = (name: string) => boolean;

export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

export function compileGlob(pattern: string): NameMatcher {
  if (!isGlob(pattern)) return (name) => name === pattern;
  const source = [...pattern]
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${source}$`, 's');
  return (name) => regex.test(name);
}

/** A matcher for a pattern or a list of patterns (any may match). */
export function compilePatterns(patterns: string | readonly string[]): NameMatcher {
  const list = typeof patterns === 'string' ? [patterns] : patterns;
  const matchers = list.map(compileGlob);
  if (matchers.length === 1) return matchers[0]!;
  return (name) => matchers.some((match) => match(name));
}
