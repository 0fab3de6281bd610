/**
 * Module hooks for a child process (`module.register(thisUrl, { data: { file } })`): every URL an
 * import resolves to is appended to `file`, one a line. ESM packages never appear in `require.cache`,
 * so this is how a test sees that croner or nodemailer was loaded. The hooks run on Node's loader thread:
 * they write to the file synchronously rather than post messages that might not arrive before exit.
 */
import { appendFileSync } from 'node:fs';

let file;

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(file, `${resolved.url}\n`);
  return resolved;
}
