import { z } from 'zod';
import { repoName } from '../config/index.js';
import { tool, type InvestigationTool } from './tool.js';

/**
 * What vigil decided and did before about one subject, one line each, oldest first,
 * with outcomes — the decision's thread memory (src/initiative/thread.ts builds the
 * lines; initiative imports this room, so the lookup is handed in). The subject key is
 * lower case: `owner/repo#7` for an issue or pull request, `owner/repo@<40-hex sha>`
 * for a commit (src/initiative/subject.ts, `subjectKey`).
 */
export type HistoryLookup = (subject: string) => string[] | Promise<string[]>;

const FULL_SHA = /^[0-9a-f]{40}$/i;

export function historyTool(lookup: HistoryLookup): InvestigationTool {
  return tool({
    name: 'vigil_history',
    description:
      'What vigil itself already decided and did about an issue or pull request (`number`) or a commit (`sha`, all 40 hex digits): ' +
      'one line per decision and action, oldest first, with outcomes (the link it left, a failure, the owner\'s denial). ' +
      'Use it before proposing, so vigil does not say or do the same thing twice.',
    input: z
      .object({
        repo: repoName.describe('"owner/name" of a watched repository'),
        number: z.number().int().positive().optional().describe('the issue or pull request number'),
        sha: z.string().regex(FULL_SHA, 'a full commit sha: 40 hex digits').optional().describe('a commit sha (40 hex digits)'),
      })
      .strict()
      .refine((input) => (input.number === undefined) !== (input.sha === undefined), 'give exactly one of number and sha'),
    run: async ({ repo, number, sha }) => {
      const key = (number !== undefined ? `${repo}#${number}` : `${repo}@${sha}`).toLowerCase();
      const shown = number !== undefined ? `${repo}#${number}` : `${repo}@${sha!.slice(0, 12).toLowerCase()}`;
      const lines = await lookup(key);
      if (lines.length === 0) return `(vigil has done nothing about ${shown} yet)`;
      return [`What vigil decided and did about ${shown}, oldest first:`, ...lines.map((line) => `- ${line}`)].join('\n');
    },
  });
}
