/**
 * One instance per process under a `Symbol.for` key on `globalThis`, shared by every copy of flowtel
 * loaded in the process (a CLI's and the user project's), so they meet at the same hub and scopes.
 */
export function globalSingleton<T>(key: string, create: () => T): T {
  const symbol = Symbol.for(key);
  const globals = globalThis as Record<symbol, unknown>;
  if (!(symbol in globals)) globals[symbol] = create();
  return globals[symbol] as T;
}
