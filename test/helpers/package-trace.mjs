// Preloaded with --import into a vigil process under test (test/runtime/idle.test.ts):
// appends the name of every package it resolves to $PACKAGE_TRACE_FILE, so a test can
// tell from outside which packages a real daemon has loaded, and when. At exit it adds
// `node:undici` when Node's own undici was loaded (fetch, or node:http's ESM facade).
import fs from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env.PACKAGE_TRACE_FILE;
const seen = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved.url)?.[1];
    if (out && name && !seen.has(name)) {
      seen.add(name);
      fs.appendFileSync(out, `${process.pid} ${name}\n`);
    }
    return resolved;
  },
});

process.on('exit', () => {
  if (out && process.moduleLoadList.some((m) => m.includes('internal/deps/undici/undici'))) fs.appendFileSync(out, `${process.pid} node:undici\n`);
});
