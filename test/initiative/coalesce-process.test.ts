import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, query, removeHomes, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { postDelivery, webhookSecret } from '../helpers/webhooks.js';
import { FakeAnthropic } from '../fakes/fake-anthropic.mjs';
import { FAKE_KEY, later } from '../model/helpers.js';

/**
 * Events that belong together are decided together (issue 14), end to end: the real
 * daemon with the Anthropic provider (the real SDK against the fake Messages API, whose
 * requests are counted) receives one CI run's five deliveries for one head SHA.
 */

const SHA = 'e'.repeat(40);
const repository = { full_name: 'octo/app', name: 'app', owner: { login: 'octo', type: 'User' }, private: false };
const sender = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

async function ciRun(coalesceSeconds: number) {
  const model = new FakeAnthropic({ apiKey: FAKE_KEY });
  await model.start();
  later(() => model.stop());
  const home = makeHome({ model: { provider: 'anthropic', retryDelayMs: 50 }, github: { coalesceSeconds } });
  const daemon = await startDaemon(home, { ANTHROPIC_API_KEY: FAKE_KEY, ANTHROPIC_BASE_URL: model.url });
  daemons.push(daemon);
  const deliver = async (event: string, payload: unknown): Promise<string> => {
    const deliveryId = crypto.randomUUID();
    const res = await postDelivery(daemon.url, webhookSecret(home), JSON.stringify(payload), { event, deliveryId });
    expect(res.status).toBe(202);
    return deliveryId;
  };
  for (let i = 0; i < 5; i++) model.push({ decide: { act: false, summary: 'CI is green', proposals: [] } });
  const deliveries = [await deliver('check_suite', { action: 'completed', check_suite: { head_sha: SHA, conclusion: 'success' }, repository, sender })];
  for (const name of ['build', 'test', 'lint']) {
    deliveries.push(await deliver('check_run', { action: 'completed', check_run: { name, head_sha: SHA, conclusion: 'success' }, repository, sender }));
  }
  deliveries.push(await deliver('workflow_run', { action: 'completed', workflow_run: { name: 'CI', head_sha: SHA, conclusion: 'success' }, repository, sender }));
  const decided = () => query<{ n: number }>(home, `SELECT count(*) AS n FROM inbox WHERE state = 'decided'`)[0]!.n;
  await waitFor(() => decided() === 5, 20_000, 'all five deliveries decided');
  return { model, home, deliveries };
}

describe('one CI run through the daemon', () => {
  it('is one model call after the quiet window, whose prompt names all five deliveries; each delivery is stored and logged', { timeout: 60_000 }, async () => {
    const { model, home, deliveries } = await ciRun(2);
    expect(model.calls).toHaveLength(1);
    const prompt = JSON.stringify(model.calls[0]!.body);
    for (const id of deliveries) expect(prompt).toContain(id);
    const received = logEntries(home).filter((e) => e.type === 'event.received');
    expect(received.map((e) => e.deliveryId)).toEqual(deliveries);
    const made = logEntries(home).filter((e) => e.type === 'decision.made');
    expect(made).toHaveLength(1);
    expect(made[0]!.coalesced).toHaveLength(4);
  });

  it('with github.coalesceSeconds 0 is five model calls', { timeout: 60_000 }, async () => {
    const { model } = await ciRun(0);
    expect(model.calls).toHaveLength(5);
  });
});
