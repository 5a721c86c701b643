import { describe, expect, it } from 'vitest';
import { formatLine } from '../../src/logs/line.js';

const base = { ts: '2026-11-26T00:00:00.000Z', seq: 3, type: 'event.received', prev: 'p'.repeat(64) };

describe('formatLine', () => {
  // The entry handed back must be exactly what a reader parses from the line, whether
  // the fields are plain (no parse) or not (parsed back).
  const cases: Record<string, Record<string, unknown>> = {
    plain: { eventId: 7, source: 'github', kind: 'github.issues.opened', deliveryId: 'd-1', ok: true, none: null },
    nested: { action: { id: 'a1', params: { n: 1 } }, list: [1, 'two'] },
    date: { at: new Date(Date.UTC(2026, 0, 2)) },
    undefinedField: { a: 1, b: undefined },
    notFinite: { n: Number.NaN, m: Infinity },
    reserved: { ts: 'forged', seq: 99, type: 'x', prev: 'forged', hash: 'forged', kept: 'yes' },
  };
  for (const [name, fields] of Object.entries(cases)) {
    it(`hands back what a reader parses: ${name}`, () => {
      const { entry, line } = formatLine({ ...base, fields });
      expect(line.endsWith('\n')).toBe(true);
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toStrictEqual(parsed);
      expect(Object.keys(entry)).toEqual(Object.keys(parsed));
      expect(parsed.seq).toBe(3);
      expect(parsed.type).toBe('event.received');
    });
  }
});
