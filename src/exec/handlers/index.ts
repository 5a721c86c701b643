import type { ActionName } from '../../policy/index.js';
import { memoryNote, notify, remind } from './local.js';
import type { Handler } from './types.js';

export type { Handler, HandlerContext } from './types.js';

/** The effects this worker can carry out. GitHub and agent handlers land with issues 3 and 8. */
export const HANDLERS: Partial<Record<ActionName, Handler>> = {
  notify,
  'memory.note': memoryNote,
  remind,
};
