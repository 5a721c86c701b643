/**
 * The CLI entry's first import, so it runs before any other module loads: `vigil start`
 * runs the daemon in this process, and V8's young generation has to be capped before
 * loading the daemon's modules grows it (src/runtime.ts, `capYoungGeneration`). Set from
 * `vigil start`'s own body, it came too late: the pages were already taken.
 */
import { capYoungGeneration } from '../runtime.js';

if (process.argv.slice(2).includes('start')) capYoungGeneration();
