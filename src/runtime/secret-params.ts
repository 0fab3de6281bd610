/**
 * Parameters that a schema marks secret with metadata, e.g. zod 4's `z.string().meta({ secret: true })`,
 * at any depth: `['apiKey']` for a top-level field, `['db', 'password']` for one inside a nested object,
 * `['targets', '*', 'token']` for one inside the objects of an array. Wrappers such as `.optional()`,
 * `.default()` and `.nullable()` are looked through.
 */
export function secretPathsOf(schema: unknown): string[][] {
  const paths: string[][] = [];
  collect(schema, [], paths, 0);
  return paths;
}

const MAX_DEPTH = 12;

function collect(schema: unknown, path: string[], into: string[][], depth: number): void {
  if (typeof schema !== 'object' || schema === null || depth > MAX_DEPTH) return;
  if (path.length > 0 && isMarkedSecret(schema)) {
    into.push(path);
    return;
  }
  const inner = unwrapped(schema);
  const shape = (inner as { shape?: unknown }).shape;
  if (typeof shape === 'object' && shape !== null) {
    for (const [key, field] of Object.entries(shape)) collect(field, [...path, key], into, depth + 1);
    return;
  }
  const element = (inner as { _zod?: { def?: { element?: unknown } } })._zod?.def?.element;
  if (element !== undefined) collect(element, [...path, '*'], into, depth + 1);
}

/** The schema inside optional/default/nullable wrappers. */
function unwrapped(schema: object, depth = 0): object {
  const inner = (schema as { _zod?: { def?: { innerType?: unknown } } })._zod?.def?.innerType;
  return typeof inner === 'object' && inner !== null && depth < 5 ? unwrapped(inner, depth + 1) : schema;
}

function isMarkedSecret(field: unknown, depth = 0): boolean {
  if (typeof field !== 'object' || field === null || depth > 5) return false;
  const meta = (field as { meta?: () => unknown }).meta;
  if (typeof meta === 'function') {
    try {
      const data = meta.call(field) as { secret?: unknown } | undefined;
      if (data && typeof data === 'object' && data.secret === true) return true;
    } catch {
      // Not zod 4's `meta()`; fall through to the wrapped schema.
    }
  }
  const inner = (field as { _zod?: { def?: { innerType?: unknown } } })._zod?.def?.innerType;
  return inner !== undefined && isMarkedSecret(inner, depth + 1);
}
