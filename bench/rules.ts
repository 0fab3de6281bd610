import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

type Rule = { name: string; when: Record<string, unknown> } & Record<string, unknown>;

/** Writes `rules.yaml` into a fresh temp folder and answers the folder. */
function rulesFolder(prefix: string, file: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'rules.yaml'), stringify(file));
  return dir;
}

/**
 * Case 3's folder: `count` rules, as a large team's would look. A few dozen task-level rules name the
 * bench flow and its task (`square`), by name or glob, none of which a task run that succeeds on its
 * first attempt can fire; the rest are for other flows, every condition type among them. The channel's
 * variable is left unset (an unconfigured channel prints), though none of these rules fires here.
 */
export function manyRulesFolder(count: number, flow: string, task: string): string {
  const matching: Rule[] = [];
  for (let i = 0; i < 36; i++) {
    const taskPattern = i % 3 === 0 ? `${task.slice(0, 2)}*` : task;
    matching.push(
      i % 4 === 3
        ? { name: `${flow}-task-failed-${i}`, when: { type: 'task-failed', flow, task: taskPattern } }
        : {
            name: `${flow}-task-retrying-${i}`,
            when: { type: 'task-retrying', flow, task: taskPattern, minAttempt: 2 + (i % 4) },
          },
    );
  }
  const others: Rule[] = [];
  for (let i = 0; others.length < count - matching.length; i++) {
    others.push(otherFlowRule(i));
  }
  return rulesFolder('flowtel-bench-rules-', {
    channels: { team: { type: 'webhook', url: { env: 'BENCH_UNSET_WEBHOOK_URL' } } },
    defaults: { notify: ['team'] },
    rules: [...matching, ...others],
  });
}

/** Rule `i` for some other flow, cycling through the seven condition types. */
function otherFlowRule(i: number): Rule {
  const flow = `other-${i}`;
  const name = `other-${i}`;
  switch (i % 7) {
    case 0:
      return { name, when: { type: 'flow-failed', flow } };
    case 1:
      return { name, when: { type: 'task-failed', flow, task: `step-${i}` } };
    case 2:
      return { name, when: { type: 'task-retrying', flow: `other-${i}*`, minAttempt: 3 } };
    case 3:
      return { name, when: { type: 'flow-running-longer-than', flow, duration: '1h' } };
    case 4:
      return { name, when: { type: 'flow-duration-above', flow, duration: '30m' } };
    case 5:
      return { name, when: { type: 'flow-failures', flow, count: 3, within: '24h' } };
    default:
      return { name, when: { type: 'flow-late', flow, cron: '0 3 * * *', timezone: 'UTC', grace: '15m' } };
  }
}

/**
 * Case 7's folders: one `flow-failed` rule for the failing flows, notifying one channel whose URL is
 * in `urlVariable`. `timing` sets the rule's grouping (see BENCHMARKS.md for what was chosen and why).
 */
export function alertRulesFolder(
  channel: { type: 'webhook' | 'slack'; urlVariable: string },
  flowPattern: string,
  timing: { groupWait?: string; groupInterval?: string },
): string {
  const definition =
    channel.type === 'webhook'
      ? { type: 'webhook', url: { env: channel.urlVariable } }
      : { type: 'slack', webhookUrl: { env: channel.urlVariable } };
  return rulesFolder('flowtel-bench-alert-rules-', {
    channels: { bench: definition },
    rules: [
      {
        name: 'bench-flow-failed',
        when: { type: 'flow-failed', flow: flowPattern },
        notify: ['bench'],
        sendResolved: false,
        ...timing,
      },
    ],
  });
}

/** Grace of case 9's flow-late rules: the deadline is the slot plus this. */
export const LATE_GRACE_MS = 1_000;

/**
 * Case 9's folder: `count` flow-late rules, one flow (`late-<i>`) each, each with its own hourly
 * interval whose anchor puts its first deadline (slot + grace) at `firstDeadline` + i·`spreadMs`/`count`,
 * all notifying one webhook channel at once (`groupWait` 0) and never resolved. Answers the folder and
 * each flow's deadline.
 */
export function lateRulesFolder(
  count: number,
  firstDeadline: number,
  spreadMs: number,
  urlVariable: string,
): { dir: string; deadlines: Map<string, number> } {
  const deadlines = new Map<string, number>();
  const rules: Rule[] = [];
  for (let i = 0; i < count; i++) {
    const flow = `late-${i}`;
    const deadline = firstDeadline + Math.floor((i * spreadMs) / count);
    deadlines.set(flow, deadline);
    rules.push({
      name: `bench-late-${i}`,
      when: {
        type: 'flow-late',
        flow,
        interval: '1h',
        anchor: new Date(deadline - LATE_GRACE_MS).toISOString(),
        grace: `${LATE_GRACE_MS}ms`,
      },
    });
  }
  const dir = rulesFolder('flowtel-bench-late-rules-', {
    channels: { bench: { type: 'webhook', url: { env: urlVariable } } },
    defaults: { notify: ['bench'], groupWait: '0s', groupInterval: '0s', sendResolved: false },
    rules,
  });
  return { dir, deadlines };
}
