export { ActionRunner, type RunnerDeps } from './runner.js';
export { HANDLERS, type Handler, type HandlerContext } from './handlers/index.js';
export { WORKER_ENTRY, WORKER_MAX_ATTEMPTS, type ToWorker, type FromWorker } from './protocol.js';
