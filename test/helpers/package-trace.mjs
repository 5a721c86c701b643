// Preloaded with --import into a vigil process under test (test/runtime/idle.test.ts):
// appends the name of every package it resolves to $PACKAGE_TRACE_FILE, so a test can
// tell from outside which packages a real daemon has loaded, and when. At exit it adds
// `node:undici` when Node's own undici was loaded (fetch, or node:http's ESM facade), and
// `intl:DateTimeFormat` the first time one is made: that loads ICU's tables (~8 MB of RSS,
// issue 18), which an idle daemon in the system's own zone has no use for.
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

const DateTimeFormat = Intl.DateTimeFormat;
let formatted = false;
Intl.DateTimeFormat = new Proxy(DateTimeFormat, {
  construct(target, args, newTarget) {
    noteFormat();
    return Reflect.construct(target, args, newTarget);
  },
  apply(target, self, args) {
    noteFormat();
    return Reflect.apply(target, self, args);
  },
});
function noteFormat() {
  if (formatted || !out) return;
  formatted = true;
  fs.appendFileSync(out, `${process.pid} intl:DateTimeFormat\n`);
}

process.on('exit', () => {
  if (out && process.moduleLoadList.some((m) => m.includes('internal/deps/undici/undici'))) fs.appendFileSync(out, `${process.pid} node:undici\n`);
});
