import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { ownerProfile } from '../../src/initiative/index.js';
import { TickService } from '../../src/tick/index.js';
import { FakeAnthropic, firstUserText } from '../fakes/fake-anthropic.mjs';
import { FAKE_KEY, harness, later } from '../model/helpers.js';

/**
 * Issue 15: a standing order for a time ("every Monday morning, summarise last week")
 * in a quiet world. Nothing moves all week, so ticks cost nothing — except the first
 * tick of each of the owner's working days (in their zone), which is decided once: on
 * Monday that decision sends the one summary.
 */

const ORDERS = '- Every Monday morning, send me one summary of last week.\n';
const SUNDAY_NOON_BERLIN = Date.UTC(2026, 10, 29, 11, 0);
const QUARTER = 15 * 60_000;

describe("the owner's day", () => {
  it('a Monday order in HEARTBEAT.md gives one summary notification on Monday morning in the owner\'s zone; the other quiet ticks call no model', async () => {
    const model = new FakeAnthropic({ apiKey: FAKE_KEY, minCacheTokens: 0 });
    await model.start();
    later(() => model.stop());
    // A model that follows the standing orders against the owner's local time it is told.
    model.respond = (body) => {
      const system = (body.system as { text: string }[]).map((b) => b.text).join('\n');
      const local = /The owner's local time: (\w+) \S+ (\d\d):/.exec(firstUserText(body));
      const mondayMorning = local?.[1] === 'Monday' && Number(local[2]) < 12 && system.includes('Every Monday morning');
      return mondayMorning
        ? { decide: { act: true, summary: 'Monday: last week summarised.', proposals: [{ action: 'notify', params: { title: 'Last week', body: 'Nothing moved.' }, rationale: 'standing order' }] } }
        : { decide: { act: false, summary: 'nothing due', proposals: [] } };
    };
    const config = parseConfig({ owner: { login: 'ada', timezone: 'Europe/Berlin', workingHours: '09:00-18:00' } }, {});
    const clock = new FakeClock(SUNDAY_NOON_BERLIN);
    const h = harness({ model: { provider: 'anthropic', baseURL: model.url }, owner: ownerProfile(config.owner, config.tick.timezone), heartbeat: ORDERS, clock });
    const tick = new TickService(config.tick, [], { store: h.store, journal: h.journal, clock, onEnqueued: () => undefined, workingHours: config.owner.workingHours });

    const decidedAt: string[] = [];
    // Sunday noon to Tuesday noon, Berlin: every quarter hour.
    for (let at = SUNDAY_NOON_BERLIN; at <= SUNDAY_NOON_BERLIN + 2 * 24 * 3_600_000; at += QUARTER) {
      clock.set(at);
      const outcome = await tick.onSchedule();
      if (outcome.outcome === 'enqueued') {
        expect(await h.initiative.decideNext()).toBe('decided');
        decidedAt.push(new Date(at).toISOString());
      }
    }
    // The first tick ever, then the first tick of Monday's and Tuesday's working day (09:00 Berlin = 08:00 UTC).
    expect(decidedAt).toEqual(['2026-11-29T11:00:00.000Z', '2026-11-30T08:00:00.000Z', '2026-12-01T08:00:00.000Z']);
    expect(model.calls).toHaveLength(3);
    const notices = h.store.db.prepare("SELECT params FROM actions WHERE action = 'notify'").all() as { params: string }[];
    expect(notices).toHaveLength(1);
    expect(h.journal.ofType('decision.made').filter((r) => r.act)).toHaveLength(1);
    expect(h.journal.ofType('tick.skipped').length).toBe(193 - 3);
  });
});
