import { createRequire } from 'node:module';

/**
 * `node:http`, loaded with `require`. An ESM `import` of it builds the module's ESM
 * facade, which reads every export — among them the lazy `WebSocket`, `CloseEvent` and
 * `MessageEvent` getters, which load all of undici. Measured on Node 24: the import
 * takes 60–90 ms more than `require`, at every CLI start and daemon start, and undici's
 * code stays in the daemon's heap for nothing (vigil's HTTP is node:http, not fetch).
 */
const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');

export default http;
