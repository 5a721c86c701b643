import crypto from 'node:crypto';
import type { FakeIssue } from './fake-github.js';

/**
 * The fake GitHub's routes for the later hands (issue 15), as GitHub answers them:
 * removing a label (404 when it is not on the issue), assignees, requested reviewers,
 * closing and reopening, a workflow run's attempts and its failed-jobs re-run, and the
 * merge of a pull request (405 when not mergeable, 409 when the head moved).
 */

export interface FakeWorkflowRun {
  id: number;
  name: string;
  head_branch: string;
  head_sha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  run_attempt: number;
}

interface Req {
  method: string;
  path: string;
  body: unknown;
}
type Reply = { status: number; body: unknown };

export class FakeHands {
  private readonly runs = new Map<string, FakeWorkflowRun[]>();
  private readonly reviewers = new Map<string, string[]>();

  constructor(private readonly issue: (repo: string, number: number) => FakeIssue | undefined) {}

  addWorkflowRun(repo: string, fields: Partial<FakeWorkflowRun> & { id: number }): FakeWorkflowRun {
    const run: FakeWorkflowRun = { name: 'CI', head_branch: 'main', head_sha: 'a'.repeat(40), status: 'completed', conclusion: 'failure', run_attempt: 1, ...fields };
    this.runs.set(repo, [...(this.runs.get(repo) ?? []), run]);
    return run;
  }

  workflowRun(repo: string, id: number): FakeWorkflowRun | undefined {
    return this.runs.get(repo)?.find((r) => r.id === id);
  }

  requestedReviewers(repo: string, number: number): string[] {
    return this.reviewers.get(`${repo}#${number}`) ?? [];
  }

  dispatch(req: Req): Reply | undefined {
    const { method, path } = req;
    let m: RegExpMatchArray | null;
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/labels\/([^/]+)$/)) && method === 'DELETE') {
      const issue = this.issue(m[1]!, Number(m[2]));
      const name = decodeURIComponent(m[3]!);
      if (!issue || !issue.labels.includes(name)) return { status: 404, body: { message: 'Label does not exist' } };
      issue.labels = issue.labels.filter((l) => l !== name);
      return { status: 200, body: issue.labels.map((l, i) => ({ id: i + 1, name: l })) };
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/assignees$/)) && method === 'POST') {
      const issue = this.issue(m[1]!, Number(m[2]));
      if (!issue) return notFound();
      const assignees = new Set([...(issue.assignees ?? []), ...(req.body as { assignees: string[] }).assignees]);
      issue.assignees = [...assignees];
      return { status: 201, body: { number: issue.number, assignees: issue.assignees.map(user) } };
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)$/)) && method === 'PATCH') {
      const issue = this.issue(m[1]!, Number(m[2]));
      if (!issue) return notFound();
      const { state } = req.body as { state?: 'open' | 'closed' };
      if (state) issue.state = state;
      issue.updated_at = new Date().toISOString();
      return { status: 200, body: { number: issue.number, state: issue.state } };
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)\/requested_reviewers$/))) {
      const key = `${m[1]}#${m[2]}`;
      if (!this.issue(m[1]!, Number(m[2]))?.pull) return notFound();
      if (method === 'GET') return { status: 200, body: { users: (this.reviewers.get(key) ?? []).map(user), teams: [] } };
      if (method === 'POST') {
        const asked = (req.body as { reviewers: string[] }).reviewers;
        this.reviewers.set(key, [...new Set([...(this.reviewers.get(key) ?? []), ...asked])]);
        return { status: 201, body: { number: Number(m[2]), requested_reviewers: this.reviewers.get(key)!.map(user) } };
      }
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)\/merge$/)) && method === 'PUT') {
      const issue = this.issue(m[1]!, Number(m[2]));
      if (!issue?.pull) return notFound();
      if (issue.pull.merged || issue.state === 'closed') return { status: 405, body: { message: 'Pull Request is not mergeable' } };
      const { sha } = req.body as { sha?: string };
      if (sha && sha !== issue.pull.head.sha) return { status: 409, body: { message: 'Head branch was modified. Review and try the merge again.' } };
      const mergeSha = crypto.randomBytes(20).toString('hex');
      issue.pull.merged = true;
      issue.pull.merge_commit_sha = mergeSha;
      issue.state = 'closed';
      return { status: 200, body: { sha: mergeSha, merged: true, message: 'Pull Request successfully merged' } };
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)(\/rerun-failed-jobs)?$/))) {
      const run = this.workflowRun(m[1]!, Number(m[2]));
      if (!run) return notFound();
      if (!m[3] && method === 'GET') return { status: 200, body: { ...run, html_url: `https://github.test/${m[1]}/actions/runs/${run.id}` } };
      if (m[3] && method === 'POST') {
        if (run.status !== 'completed') return { status: 403, body: { message: 'This workflow is already running' } };
        run.run_attempt += 1;
        run.status = 'queued';
        run.conclusion = null;
        return { status: 201, body: {} };
      }
    }
    return undefined;
  }
}

function user(login: string): { login: string; type: string } {
  return { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' };
}

function notFound(): Reply {
  return { status: 404, body: { message: 'Not Found' } };
}
