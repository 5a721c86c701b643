import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { EventRecord } from '../../src/events.js';
import { GithubOctokit } from '../../src/github-api/index.js';
import { kvSweepMemory } from '../../src/github-api/kv-sweep-memory.js';
import { sweepMissedDeliveries } from '../../src/github-api/redeliver.js';
import type { Store } from '../../src/store/index.js';
import type { FakeDelivery } from './fake-github.js';
import { REPO, session, TOKEN, useGithubWorld } from './helpers.js';

const world = useGithubWorld();
const HOOK = `repos/${REPO}/hooks/7`;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

function inInbox(store: Store, guid: string, receivedAt = Date.now()): void {
  store.inbox.add({ source: 'github', kind: 'github.issues.opened', deliveryId: guid, payload: '{}', receivedAt });
}

const redeliveries = /^\/repos\/octo\/app\/hooks\/7\/deliveries\/(\d+)\/attempts$/;

describe('missed-delivery sweep', () => {
  it('asks GitHub to redeliver exactly the failed deliveries vigil never stored, once', async () => {
    const fake = await world.fake();
    const deliveries: FakeDelivery[] = [
      { id: 11, guid: 'guid-ok-1', delivered_at: minutesAgo(50), status_code: 202 },
      { id: 12, guid: 'guid-lost-502', delivered_at: minutesAgo(40), status_code: 502 },
      { id: 13, guid: 'guid-stored-but-timed-out', delivered_at: minutesAgo(30), status_code: 0 },
      { id: 14, guid: 'guid-lost-0', delivered_at: minutesAgo(20), status_code: 0 },
      { id: 15, guid: 'guid-ok-2', delivered_at: minutesAgo(10), status_code: 200 },
    ];
    fake.setDeliveries(HOOK, deliveries);
    const store = world.store();
    // GitHub gave up waiting, but vigil had stored it: no redelivery.
    inInbox(store, 'guid-stored-but-timed-out');
    inInbox(store, 'guid-ok-1');
    inInbox(store, 'guid-ok-2');
    const records: EventRecord[] = [];
    const github = session({ fake, store, records, config: { hookId: 7, hookRepo: REPO } });

    const first = await github.sweep();

    expect(first).toEqual({ listed: 5, redelivered: 2, failed: 0 });
    const asked = fake.calls('POST', redeliveries).map((r) => Number(redeliveries.exec(r.path)![1]));
    expect(asked.sort()).toEqual([12, 14]);
    expect(fake.calls('GET', /^\/repos\/octo\/app\/hooks\/7\/deliveries$/)[0]!.query.get('per_page')).toBe('100');
    const requested = records.filter((r) => r.type === 'github.redelivery_requested');
    expect(requested.map((r) => [r.guid, r.deliveryId]).sort()).toEqual([
      ['guid-lost-0', 14],
      ['guid-lost-502', 12],
    ]);
    expect(records.filter((r) => r.type === 'github.sweep')).toMatchObject([{ listed: 5, redelivered: 2 }]);

    // The next sweep (the hour after) asks for none: it remembers what it asked for.
    const second = await github.sweep();
    expect(second).toMatchObject({ redelivered: 0 });
    expect(fake.calls('POST', redeliveries)).toHaveLength(2);
  });

  it('remembers across workers (in the store), and a fresh store would ask again', async () => {
    const fake = await world.fake();
    fake.setDeliveries(HOOK, [{ id: 21, guid: 'g-lost', delivered_at: minutesAgo(5), status_code: 503 }]);
    const store = world.store();
    const config = { hookId: 7, hookRepo: REPO };
    expect(await session({ fake, store, config }).sweep()).toMatchObject({ redelivered: 1 });
    // A new worker: a new session over the same database.
    expect(await session({ fake, store, config }).sweep()).toMatchObject({ redelivered: 0 });
    expect(await session({ fake, store: world.store(), config }).sweep()).toMatchObject({ redelivered: 1 });
    expect(fake.calls('POST', redeliveries)).toHaveLength(2);
  });

  it('groups attempts by guid: a later successful attempt counts, and the newest failed attempt is the one redelivered', async () => {
    const fake = await world.fake();
    fake.setDeliveries(HOOK, [
      { id: 31, guid: 'g-recovered', delivered_at: minutesAgo(30), status_code: 502 },
      { id: 32, guid: 'g-recovered', delivered_at: minutesAgo(20), status_code: 202, redelivery: true },
      { id: 33, guid: 'g-twice-failed', delivered_at: minutesAgo(25), status_code: 0 },
      { id: 34, guid: 'g-twice-failed', delivered_at: minutesAgo(15), status_code: 504, redelivery: true },
    ]);
    const store = world.store();
    inInbox(store, 'g-recovered');
    const result = await session({ fake, store, config: { hookId: 7, hookRepo: REPO } }).sweep();
    expect(result).toEqual({ listed: 4, redelivered: 1, failed: 0 });
    expect(fake.calls('POST', redeliveries).map((r) => r.path)).toEqual(['/repos/octo/app/hooks/7/deliveries/34/attempts']);
  });

  it('follows the cursor pages while deliveries are recent, and stops at ones older than three days', async () => {
    const fake = await world.fake();
    const list: FakeDelivery[] = [];
    // 150 recent deliveries (one failed on the second page), then 100 from four days ago (all failed).
    for (let i = 0; i < 150; i++) {
      list.push({ id: 1000 + i, guid: `recent-${i}`, delivered_at: minutesAgo(i + 1), status_code: i === 140 ? 502 : 202 });
    }
    for (let i = 0; i < 100; i++) {
      list.push({ id: 3000 + i, guid: `old-${i}`, delivered_at: minutesAgo(4 * 24 * 60 + i), status_code: 502 });
    }
    fake.setDeliveries(HOOK, list);
    const store = world.store();
    for (let i = 0; i < 150; i++) if (i !== 140) inInbox(store, `recent-${i}`);
    const result = await session({ fake, store, config: { hookId: 7, hookRepo: REPO } }).sweep();
    expect(result).toEqual({ listed: 150, redelivered: 1, failed: 0 });
    expect(fake.calls('POST', redeliveries).map((r) => r.path)).toEqual(['/repos/octo/app/hooks/7/deliveries/1140/attempts']);
    const pages = fake.calls('GET', /\/hooks\/7\/deliveries$/).map((r) => r.query.get('cursor'));
    expect(pages).toEqual([null, 'v1_100']);
  });

  it('an organisation hook is swept through /orgs/{org}/hooks', async () => {
    const fake = await world.fake();
    fake.setDeliveries('orgs/octo/hooks/9', [{ id: 41, guid: 'g-org', delivered_at: minutesAgo(3), status_code: 500 }]);
    const store = world.store();
    const result = await session({ fake, store, config: { hookId: 9, hookOrg: 'octo' } }).sweep();
    expect(result).toMatchObject({ listed: 1, redelivered: 1 });
    expect(fake.calls('POST', /^\/orgs\/octo\/hooks\/9\/deliveries\/41\/attempts$/)).toHaveLength(1);
  });

  it('one refused redelivery is logged and does not stop the others; nothing is asked without a hook', async () => {
    const fake = await world.fake();
    fake.setDeliveries(HOOK, [
      { id: 51, guid: 'g-a', delivered_at: minutesAgo(9), status_code: 502 },
      { id: 52, guid: 'g-b', delivered_at: minutesAgo(8), status_code: 502 },
    ]);
    fake.inject({ method: 'POST', path: /\/deliveries\/52\/attempts$/, status: 422 });
    const store = world.store();
    const records: EventRecord[] = [];
    const octokit = new GithubOctokit({ auth: TOKEN, baseUrl: fake.url, throttle: { enabled: false } });
    const hook = { id: 7, repo: REPO };
    const memory = (record: (r: EventRecord) => void) => kvSweepMemory(store, record, () => systemClock.now());
    const result = await sweepMissedDeliveries({ octokit, memory: memory((r) => records.push(r)), clock: systemClock, hook });
    expect(result).toEqual({ listed: 2, redelivered: 1, failed: 1 });
    expect(records.find((r) => r.type === 'github.redelivery_failed')).toMatchObject({ guid: 'g-b', deliveryId: 52 });
    // The refused one was not remembered: the next sweep tries it again.
    const again = await sweepMissedDeliveries({ octokit, memory: memory(() => undefined), clock: systemClock, hook });
    expect(again).toMatchObject({ redelivered: 1 });

    expect(await session({ fake, store, config: {} }).sweep()).toBeUndefined();
  });

  it('GitHub lists 5 as delivered, vigil stored 3: 2 event.missed, exactly those 2 redelivered, the next sweep asks for none', async () => {
    const fake = await world.fake();
    const five: FakeDelivery[] = [1, 2, 3, 4, 5].map((n) => ({ id: 60 + n, guid: `g-delivered-${n}`, delivered_at: minutesAgo(60 - n), status_code: 200 }));
    fake.setDeliveries(HOOK, five);
    const store = world.store();
    // Stored as they arrived: vigil was receiving when 2 and 4 were delivered.
    for (const n of [1, 3, 5]) inInbox(store, `g-delivered-${n}`, Date.parse(five[n - 1]!.delivered_at) + 100);
    const records: EventRecord[] = [];
    const github = session({ fake, store, records, config: { hookId: 7, hookRepo: REPO } });

    expect(await github.sweep()).toEqual({ listed: 5, redelivered: 2, failed: 0 });
    const missed = records.filter((r) => r.type === 'event.missed');
    expect(missed.map((r) => [r.guid, r.deliveryId, r.statusCode, r.event])).toEqual([
      ['g-delivered-4', 64, 200, 'issues'],
      ['g-delivered-2', 62, 200, 'issues'],
    ]);
    const asked = fake.calls('POST', redeliveries).map((r) => Number(redeliveries.exec(r.path)![1]));
    expect(asked.sort()).toEqual([62, 64]);

    records.length = 0;
    expect(await github.sweep()).toMatchObject({ redelivered: 0 });
    expect(fake.calls('POST', redeliveries)).toHaveLength(2);
    expect(records.filter((r) => r.type === 'event.missed')).toEqual([]);
  });

  it('deliveries from before this home stored anything are not called missed (a new home on an old hook)', async () => {
    const fake = await world.fake();
    fake.setDeliveries(HOOK, [
      { id: 91, guid: 'g-before-vigil', delivered_at: minutesAgo(120), status_code: 200 },
      { id: 92, guid: 'g-first-stored', delivered_at: minutesAgo(60), status_code: 200 },
    ]);
    const store = world.store();
    inInbox(store, 'g-first-stored', Date.parse(minutesAgo(60)));
    const records: EventRecord[] = [];
    expect(await session({ fake, store, records, config: { hookId: 7, hookRepo: REPO } }).sweep()).toMatchObject({ redelivered: 0 });
    expect(records.filter((r) => r.type === 'event.missed')).toEqual([]);
  });

  it('a delivery that just arrived at a proxy is not called missed yet', async () => {
    const fake = await world.fake();
    fake.setDeliveries(HOOK, [{ id: 71, guid: 'g-in-transit', delivered_at: minutesAgo(1), status_code: 200 }]);
    const store = world.store();
    inInbox(store, 'g-stored-earlier', Date.parse(minutesAgo(200)));
    const records: EventRecord[] = [];
    expect(await session({ fake, store, records, config: { hookId: 7, hookRepo: REPO } }).sweep()).toMatchObject({ redelivered: 0 });
    expect(records.filter((r) => r.type === 'event.missed')).toEqual([]);
  });

  it.each([
    [200, /webhook proxy .* "Content type" must be application\/json/],
    [401, /secret on GitHub must be secrets\.json "webhookSecret"/],
  ])('a redelivery refused again (GitHub saw %i) is not asked a third time: the owner is told which setting to change, once', async (status, advice) => {
    const fake = await world.fake();
    const first: FakeDelivery = { id: 81, guid: 'g-refused', delivered_at: minutesAgo(90), status_code: status };
    fake.setDeliveries(HOOK, [first]);
    const store = world.store();
    inInbox(store, 'g-stored-earlier', Date.parse(minutesAgo(200)));
    const records: EventRecord[] = [];
    const github = session({ fake, store, records, config: { hookId: 7, hookRepo: REPO } });
    expect(await github.sweep()).toMatchObject({ redelivered: 1 });
    expect(store.notifications.pendingNotices()).toEqual([]);

    // GitHub redelivered it (a new attempt), and vigil refused it again.
    // The sweep asked a moment ago; ten minutes pass, and the redelivery came six minutes ago.
    fake.setDeliveries(HOOK, [first, { id: 82, guid: 'g-refused', delivered_at: minutesAgo(6), status_code: status, redelivery: true }]);
    const asked = store.kv.get('github.redelivery.asked')!;
    store.kv.set('github.redelivery.asked', asked.map((a) => ({ ...a, at: a.at - 10 * 60_000 })));
    records.length = 0;
    expect(await github.sweep()).toMatchObject({ redelivered: 0 });
    expect(records.filter((r) => r.type === 'event.missed')).toMatchObject([{ guid: 'g-refused', deliveryId: 82, again: true }]);
    const notices = store.notifications.pendingNotices();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'alert', key: 'alert:missed:g-refused' });
    expect(String(notices[0]!.payload.body)).toMatch(advice);

    records.length = 0;
    await github.sweep();
    expect(records.filter((r) => r.type === 'event.missed')).toEqual([]);
    expect(store.notifications.pendingNotices()).toHaveLength(1);
    expect(fake.calls('POST', redeliveries)).toHaveLength(1);
  });

  it('a hook id without its place fails the sweep with an error naming the keys, and asks nothing', async () => {
    const fake = await world.fake();
    const sweep = session({ fake, store: world.store(), config: { hookId: 7 } }).sweep();
    await expect(sweep).rejects.toMatchObject({ code: 'VIGIL_ERR_CONFIG', message: expect.stringMatching(/github\.hookId: set github\.hookRepo .* or github\.hookOrg/) });
    expect(fake.requests).toHaveLength(0);
  });
});
