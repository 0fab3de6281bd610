/**
 * How to start another `flowtel` like the running one: the same Node binary, the same Node options
 * (`--import tsx` and `--conditions=flowtel-source` when run from source) and the same entry script
 * (`src/cli/bin.ts`, or `dist/cli/bin.js` when installed). Tests, whose process is the test runner,
 * pass their own.
 */
export interface FlowtelCommand {
  readonly execPath: string;
  /** Everything before flowtel's own arguments: Node options, then the entry script. */
  readonly args: readonly string[];
}

export function thisFlowtel(): FlowtelCommand {
  const script = process.argv[1];
  if (script === undefined)
    throw new Error('cannot tell how this flowtel was started: process.argv[1] is unset');
  // A debugger port can be bound once: children would fail to start on serve's `--inspect`.
  const options = process.execArgv.filter((arg) => !/^--inspect(-brk|-port)?(=|$)/.test(arg));
  return { execPath: process.execPath, args: [...options, script] };
}
