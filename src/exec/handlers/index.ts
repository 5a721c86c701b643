import type { ActionName } from '../../policy/index.js';
import { agentTask } from './agent.js';
import {
  githubAssign,
  githubClose,
  githubComment,
  githubCreateIssue,
  githubLabel,
  githubMerge,
  githubRemoveLabel,
  githubReopen,
  githubRequestReview,
  githubRerunFailedJobs,
} from './github.js';
import { memoryNote, notify, remind } from './local.js';
import type { Handler } from './types.js';

export type { Handler, HandlerContext } from './types.js';

/** The effects this worker can carry out. */
export const HANDLERS: Record<ActionName, Handler> = {
  notify,
  'memory.note': memoryNote,
  remind,
  'github.comment': githubComment,
  'github.label': githubLabel,
  'github.create_issue': githubCreateIssue,
  'github.remove_label': githubRemoveLabel,
  'github.assign': githubAssign,
  'github.request_review': githubRequestReview,
  'github.close': githubClose,
  'github.reopen': githubReopen,
  'github.rerun_failed_jobs': githubRerunFailedJobs,
  'github.merge': githubMerge,
  'agent.task': agentTask,
};
