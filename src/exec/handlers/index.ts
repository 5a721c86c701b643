import type { ActionName } from '../../policy/index.js';
import { agentTask } from './agent.js';
import { githubComment, githubCreateIssue, githubLabel } from './github.js';
import { memoryNote, notify, remind } from './local.js';
import type { Handler } from './types.js';

export type { Handler, HandlerContext } from './types.js';

/** The effects this worker can carry out. */
export const HANDLERS: Partial<Record<ActionName, Handler>> = {
  notify,
  'memory.note': memoryNote,
  remind,
  'github.comment': githubComment,
  'github.label': githubLabel,
  'github.create_issue': githubCreateIssue,
  'agent.task': agentTask,
};
