import { afterEach, describe, expect, it } from 'vitest';
import { onPostgres } from '../helpers/backend.js';
import { makeHome, removeHomes, startDaemon, type RunningDaemon, killDaemons } from '../helpers/home.js';

// This file runs in the "timing" project, before the rest of the suite and alone, so
// a start-up time is measured on a machine that is not also running other daemons.
const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

describe('start-up', () => {
  // A team's home is initialised when its database is: a node's first start on a fresh one
  // migrates it (the pg-0xx migrations, ~1 s on this machine, once per team), as `vigil init`
  // prepares a single home. So on PostgreSQL a node starts and stops once before the start that is timed.
  it('answers /healthz within 1 s of `vigil start` on an initialised home', async () => {
    const home = makeHome();
    if (onPostgres()) {
      const first = await startDaemon(home);
      first.proc.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);
    }
    const t0 = Date.now();
    const daemon = await startDaemon(home);
    daemons.push(daemon);
    const res = await fetch(`${daemon.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

});
