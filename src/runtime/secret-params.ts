/**
 * Top-level parameters that a schema marks secret with metadata, e.g. zod 4's
 * `z.string().meta({ secret: true })`, looking through wrappers such as `.optional()` and `.default()`.
 */
export function secretFieldsOf(schema: unknown): string[] {
  const shape = (schema as { shape?: unknown } | undefined)?.shape;
  if (typeof shape !== 'object' || shape === null) return [];
  return Object.entries(shape)
    .filter(([, field]) => isMarkedSecret(field))
    .map(([key]) => key);
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
