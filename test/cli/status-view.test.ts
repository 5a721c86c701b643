import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../src/cli/status-view.js';
import type { Paint } from '../../src/for-people.js';

// `vigil status` for a person: every part of the report in words, none as raw JSON.

const plain: Paint = (_style, text) => text;
const marked: Paint = (style, text) => `<${String(style)}>${text}</>`;
const NOW = Date.parse('2026-12-03T10:00:00Z');

function report(extra: Record<string, unknown>): Record<string, unknown> {
  return { status: 'running', pid: 42, version: '0.1.0', url: 'http://127.0.0.1:7433', uptimeSeconds: 60, mode: 'auto', queueDepth: 0, pendingApprovals: 0, ...extra };
}

describe('vigil status: reach and refused deliveries', () => {
  it('nobody to reach and nothing refused: said in words, the reach in warning colour', () => {
    const lines = renderStatus(
      report({ reach: { via: [], failing: [], summary: 'nobody: no channel configured' }, rejectedDeliveries: { lastHour: 0 } }),
      NOW,
      marked,
    );
    expect(lines).toContain('  <dim>reaches you</> <yellow>nobody: no channel configured</>');
    expect(lines).toContain('  <dim>refused    </> no webhook delivery in the last hour');
    expect(lines.join('\n')).not.toMatch(/[{}]/);
  });

  it('a channel that reaches: plain; refusals: how many, why and the likely cause', () => {
    const lines = renderStatus(
      report({
        reach: { via: ['push', 'ntfy'], failing: [], summary: 'push, ntfy' },
        rejectedDeliveries: { lastHour: 3, direct: { signature: 2 }, proxy: { signature: 1 }, cause: 'secret mismatch: set the hook\'s secret' },
      }),
      NOW,
      plain,
    );
    const text = lines.join('\n');
    expect(text).toMatch(/reaches you push, ntfy$/m);
    expect(text).toMatch(/refused +3 in the last hour \(2 signature, 1 signature via proxy\) — see vigil doctor$/m);
    expect(text).toMatch(/^ +likely: secret mismatch: set the hook's secret$/m);
    expect(text).not.toMatch(/[{}]/);
  });

  it('a failing channel is a warning even when another one reaches', () => {
    const summary = 'push; failing: ntfy (last send failed: 500)';
    const lines = renderStatus(report({ reach: { via: ['push'], failing: [{ channel: 'ntfy', error: '500', at: '' }], summary } }), NOW, marked);
    expect(lines).toContain(`  <dim>reaches you</> <yellow>${summary}</>`);
  });
});
