/**
 * Sets `process.env` variables for one test (the SDK's exporters read `process.env` themselves) and
 * puts back what was there before. Every `OTEL_*` and `FLOWTEL_*` variable is cleared first, so a
 * developer's own settings cannot leak into a test.
 */
export function setEnv(vars: Record<string, string>): () => void {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('OTEL_') || name.startsWith('FLOWTEL_')) delete process.env[name];
  }
  Object.assign(process.env, vars);
  return () => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  };
}
