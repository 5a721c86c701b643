import { afterEach, describe, expect, it } from 'vitest';
import { makeHome, removeHomes, startDaemon, type RunningDaemon, killDaemons } from '../helpers/home.js';

// This file runs in the "timing" project, before the rest of the suite and alone, so
// a start-up time is measured on a machine that is not also running other daemons.
const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

describe('start-up', () => {
  it('answers /healthz within 1 s of `vigil start` on an initialised home', async () => {
    const home = makeHome();
    const t0 = Date.now();
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    const res = await fetch(`${daemon.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

});
