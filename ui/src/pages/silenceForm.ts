/** The silence the form describes, as POST /api/v1/silences takes it (a silence as in a rules file). */
export interface SilenceForm {
  rule: string;
  flow: string;
  labels: string;
  duration: string;
  comment: string;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30m", "2h", "1d" → ms; null when it is not one of those. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : null;
}

export function silenceBody(form: SilenceForm, now = Date.now()): { body: unknown } | { problem: string } {
  const labels: Record<string, string> = {};
  for (const line of form.labels.split(/[\n,]/)) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    if (at <= 0) return { problem: `label matcher "${line.trim()}" must be key=value` };
    labels[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  const ms = parseDuration(form.duration);
  if (ms === null || ms <= 0)
    return { problem: `duration must be like 30m, 2h or 1d, got "${form.duration}"` };
  const matchers = {
    ...(form.rule.trim() ? { rule: form.rule.trim() } : {}),
    ...(form.flow.trim() ? { flow: form.flow.trim() } : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
  };
  if (Object.keys(matchers).length === 0)
    return { problem: 'give at least one matcher (rule, flow or a label)' };
  return {
    body: {
      matchers,
      endsAt: new Date(now + ms).toISOString(),
      createdBy: 'run UI',
      ...(form.comment.trim() ? { comment: form.comment.trim() } : {}),
    },
  };
}
