import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Static imports and re-exports between our own files, type-only ones included: a loop of types is
 * still a loop of concepts. Dynamic `import()` loads later, on use, and makes no cycle at load time.
 */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gms)];
  return specifiers.map((match) => resolve(dirname(file), match[1] ?? ''));
}

function importGraph(files: readonly string[]): Map<string, string[]> {
  return new Map(files.map((file) => [file, importsOf(file)]));
}

/** Every cycle found by a depth-first walk, each as the files on it. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string) => {
    const at = path.indexOf(file);
    if (at >= 0) {
      found.push([...path.slice(at), file].map((f) => relative(SRC, f)));
      return;
    }
    if (done.has(file)) return;
    path.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    path.pop();
    done.add(file);
  };
  for (const file of graph.keys()) visit(file);
  return found;
}

describe('the import graph of src', () => {
  it('reads type-only imports and re-exports as edges, and finds a cycle through them', () => {
    expect(importsOf(join(SRC, 'runtime/task-run.ts'))).toContain(join(SRC, 'runtime/flow-run.ts'));
    expect(importsOf(join(SRC, 'index.ts'))).toContain(join(SRC, 'runtime/flow.ts'));
    const a = join(SRC, 'a.ts');
    const b = join(SRC, 'b.ts');
    const c = join(SRC, 'c.ts');
    expect(
      cycles(
        new Map([
          [a, [b]],
          [b, [c]],
          [c, [b]],
        ]),
      ),
    ).toEqual([['b.ts', 'c.ts', 'b.ts']]);
  });

  it('has no import cycle, in the runtime or anywhere else', () => {
    const files = sourceFiles(SRC);
    expect(files.filter((f) => f.includes('/runtime/')).length).toBeGreaterThan(20);
    expect(cycles(importGraph(files))).toEqual([]);
  });
});
