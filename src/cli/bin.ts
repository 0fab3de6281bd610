#!/usr/bin/env node
import { main } from './main.ts';

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
const code = await main(process.argv.slice(2), io).catch((error: unknown) => {
  process.stderr.write(
    `flowtel: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 1;
});
// Exit explicitly: handles that user code left open (a pool, a timer) must not keep the process alive.
process.exit(code);
