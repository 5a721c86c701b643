export { WORKER_ENTRY, WORKER_MAX_ATTEMPTS, type ToWorker, type FromWorker } from './protocol.js';
