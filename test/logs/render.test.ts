import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { DailyLog, renderEntry } from '../../src/logs/index.js';
import { localMs, useTempDir } from './helpers.js';

const tempDir = useTempDir();

describe('renderEntry', () => {
  it('renders local time, type and fields, hiding the chain keys', () => {
    const log = new DailyLog({ dir: tempDir(), clock: new FakeClock(localMs(10, 9, 5, 7)) });
    const entry = log.append({
      type: 'event.received',
      source: 'github',
      kind: 'github.issues.opened',
      title: 'Crash on start',
      count: 3,
      labels: ['bug'],
      empty: '',
    });
    log.close();
    expect(renderEntry(entry)).toBe(
      '09:05:07  event.received  source=github kind=github.issues.opened title="Crash on start" count=3 labels=["bug"] empty=""',
    );
  });

  it('truncates long values and escapes control characters', () => {
    const log = new DailyLog({ dir: tempDir(), clock: new FakeClock(localMs(10, 23, 0, 0)) });
    const entry = log.append({ type: 'x', body: 'a'.repeat(500), evil: 'red\u001b[31m' });
    log.close();
    const text = renderEntry(entry);
    expect(text).toContain(`body=${'a'.repeat(79)}… `);
    expect(text).toContain('evil="red\\u001b[31m"');
    expect(text).not.toContain('\u001b');
    expect(renderEntry({ ...entry, body: undefined, evil: undefined })).toBe('23:00:00  x  body=undefined evil=undefined');
  });

  it('renders an entry without fields as time and type only', () => {
    const log = new DailyLog({ dir: tempDir(), clock: new FakeClock(localMs(10, 0, 0, 1)) });
    const entry = log.append({ type: 'dream.started' });
    log.close();
    expect(renderEntry(entry)).toBe('00:00:01  dream.started');
  });
});
