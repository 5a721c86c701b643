export { ActionRunner, type RunnerDeps } from './runner.js';
export { HANDLERS, type Handler, type HandlerContext } from './handlers/index.js';
export { WORKER_MAX_ATTEMPTS, type ToWorker, type FromWorker } from './protocol.js';

/**
 * The worker's entry file, for `child_process.fork`. Under the test runner this module
 * is TypeScript source; the worker then runs from the build (`npm test` builds first).
 */
export const WORKER_ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/exec/worker-main.js', import.meta.url)
  : new URL('./worker-main.js', import.meta.url);
