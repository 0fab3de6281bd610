#!/usr/bin/env node
import { main } from './main.ts';
import { describeUnexpected } from './unexpected.ts';

const args = process.argv.slice(2);
const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
const code = await main(args, io).catch((error: unknown) => {
  process.stderr.write(`${describeUnexpected(error, process.env, args)}\n`);
  return 1;
});
// Exit explicitly: handles that user code left open (a pool, a timer) must not keep the process alive.
process.exit(code);
