type Env = Readonly<Record<string, string | undefined>>;

/**
 * Whether a process evaluates the rules on its own runs: yes unless FLOWTEL_ALERTING=off (a process
 * whose telemetry goes to a `serve`, which evaluates them centrally). Read here only.
 */
export function embeddedAlertingEnabled(env: Env): boolean {
  return env.FLOWTEL_ALERTING !== 'off';
}
