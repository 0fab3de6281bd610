import { describe, expect, it } from 'vitest';
import { type Block, buildSlackMessage } from '../../src/notify/slack/blocks.ts';
import { escapeAndCut, escapeMrkdwn } from '../../src/notify/slack/escape.ts';
import { alert, HOSTILE, notification } from './helpers/notifications.ts';

const texts = (blocks: Block[]): string[] =>
  blocks.flatMap((b) => {
    if (b.type === 'header') return [b.text.text];
    if (b.type === 'section') return [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)];
    if (b.type === 'context') return b.elements.map((e) => e.text);
    return [];
  });

describe('the Slack message', () => {
  it('carries header, facts, error, parameters, trace and runbook buttons and the alert id', () => {
    const { text, blocks } = buildSlackMessage({ channel: 'data', notifications: [notification()] });
    expect(blocks[0]).toMatchObject({
      type: 'header',
      text: { type: 'plain_text', text: '🔴 FIRING: nightly-orders Failed' },
    });
    const all = texts(blocks).join('\n');
    for (const fact of [
      '*Flow*\nnightly-orders',
      '*Run id*\nrun-123',
      'fetch-orders (attempt 3)',
      '*Severity*\ncritical',
      'team=data',
    ]) {
      expect(all).toContain(fact);
    }
    expect(all).toContain('```TypeError: boom```');
    expect(all).toContain('apiToken: [REDACTED]');
    expect(all).toContain('alert fp-orders@2026-11-25T02:00:03Z');
    const actions = blocks.find((b) => b.type === 'actions');
    expect(actions).toMatchObject({
      elements: [
        {
          text: { text: 'View trace' },
          url: 'http://localhost:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736',
        },
        { text: { text: 'Runbook' }, url: 'https://runbooks.example.com/orders' },
      ],
    });
    expect(text).toContain('nightly-orders failed: TypeError: boom');
  });

  it('shows a resolution as resolved', () => {
    const resolved = notification({
      kind: 'resolved',
      alerts: [
        alert({
          status: 'resolved',
          summary: 'nightly-orders completed',
          facts: { flow: 'nightly-orders', state: { type: 'COMPLETED', name: 'Completed' } },
        }),
      ],
    });
    const { text, blocks } = buildSlackMessage({ channel: 'data', notifications: [resolved] });
    expect(blocks[0]).toMatchObject({ text: { text: '✅ RESOLVED: nightly-orders Completed' } });
    expect(text).toContain('RESOLVED');
  });

  it('escapes run text so mentions and links arrive as text', () => {
    const hostile = alert({
      summary: HOSTILE,
      labels: { flow: HOSTILE },
      facts: { ...alert().facts, error: { type: 'Error', message: HOSTILE } },
    });
    const { text, blocks } = buildSlackMessage({
      channel: 'data',
      notifications: [notification({ alerts: [hostile] })],
    });
    for (const t of [text, ...texts(blocks)]) {
      expect(t).not.toMatch(/<[!@]/);
      expect(t).not.toContain('<http');
      expect(t).not.toContain('<script');
    }
    expect(texts(blocks).join('\n')).toContain('&lt;!channel&gt; &lt;@U123&gt; &amp;');
    // The error's ``` cannot close the code block early.
    const errorBlock = texts(blocks).find((t) => t.startsWith('*Error*'));
    expect(errorBlock?.match(/```/g)).toHaveLength(2);
  });

  it('cuts to Slack limits: header 150, sections 3000', () => {
    const huge = 'x<'.repeat(5000);
    const big = alert({
      summary: huge,
      facts: { ...alert().facts, flow: huge, error: { type: 'Error', message: huge } },
    });
    const { blocks } = buildSlackMessage({
      channel: 'data',
      notifications: [notification({ alerts: [big] })],
    });
    const header = blocks[0];
    expect(header?.type === 'header' && header.text.text.length).toBeLessThanOrEqual(150);
    for (const b of blocks) {
      if (b.type === 'section') {
        expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
        for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
      }
    }
  });

  it('lists the alerts of a grouped message within 50 blocks, then "…and N more"', () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      notification({ alerts: [alert({ id: `a-${i}`, summary: `alert ${i}` })] }),
    );
    const { blocks, text } = buildSlackMessage({ channel: 'data', notifications: many });
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(blocks[0]).toMatchObject({ text: { text: '🔴 40 alerts (40 firing): orders-failed' } });
    const all = texts(blocks).join('\n');
    expect(all).toContain('alert a-0');
    expect(all).toMatch(/…and \d+ more/);
    expect(text).toContain('…and 30 more');
  });

  it('never splits an entity when cutting', () => {
    expect(escapeMrkdwn('a&b<c>')).toBe('a&amp;b&lt;c&gt;');
    const cut = escapeAndCut('&&&&&&', 10);
    expect(cut).toBe('&amp;…');
    expect(cut.length).toBeLessThanOrEqual(10);
  });
});
