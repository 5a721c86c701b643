import { slugify, sourceDate } from '../memory/index.js';
import { eventKind, githubLogin, isoTime, plainPhrase, refName, repoFullName } from './third-party.js';
import type { Observation, WorkingMemory } from './working-memory.js';

/**
 * What a dream learns about each repository without a model (issue 15): from the GitHub
 * events received since the last dream, deterministic facts with their sources — the
 * default branch, each CI workflow's latest outcome, the latest release, the most active
 * contributors and the labels in use — in the repository's topic (`topics/<owner-repo>.md`).
 * Every value comes from a third-party payload: see third-party.ts for what is taken.
 */

/** One received event, as the gather phase found it in the log. */
export interface SeenEvent {
  eventId: number;
  kind: string;
  /** "log 2026-01-03#12": the `event.received` entry. */
  ref: string;
  date: string;
}

/** A fact about a repository; `prefix` names what it is about, so a newer value replaces the older. */
export interface RepoFact {
  repo: string;
  prefix: string;
  text: string;
  source: string;
  date: string;
  /** The fact no longer holds (its release was deleted): a fact in memory that begins with this text is removed. */
  retracted?: boolean;
}

const TOP_CONTRIBUTORS = 3;
const TOP_LABELS = 10;
/** Workflows kept per repository, the most recently run first: a repository cannot fill a topic with names. */
const MAX_WORKFLOWS = 20;

type Payload = Record<string, unknown>;

/** The deterministic facts, newest value per repository and subject. */
export function repoFacts(events: readonly SeenEvent[], payloadOf: (eventId: number) => Payload | undefined): RepoFact[] {
  const perRepo = new Map<string, RepoLearning>();
  for (const seen of events) {
    if (!seen.kind.startsWith('github.')) continue;
    const payload = payloadOf(seen.eventId);
    const name = repoFullName((payload?.repository as Payload | undefined)?.full_name);
    if (!payload || !name) continue;
    let learning = perRepo.get(name);
    if (!learning) perRepo.set(name, (learning = new RepoLearning(name)));
    learning.add(seen, payload);
  }
  return [...perRepo.values()].flatMap((l) => l.facts());
}

interface Release {
  tag: string;
  at: string;
  seen: SeenEvent;
  deleted: boolean;
}

class RepoLearning {
  private defaultBranch: { value: string; seen: SeenEvent } | undefined;
  private release: Release | undefined;
  private readonly workflows = new Map<string, { conclusion: string; at: string; seen: SeenEvent }>();
  private readonly senders = new Map<string, number>();
  private readonly labels = new Map<string, number>();
  private last: SeenEvent | undefined;

  constructor(private readonly repo: string) {}

  add(seen: SeenEvent, payload: Payload): void {
    this.last = seen;
    const repository = payload.repository as Payload;
    const branch = refName(repository.default_branch ?? repository.master_branch);
    if (branch) this.defaultBranch = { value: branch, seen };
    this.addRelease(seen, payload.release as Payload | undefined);
    this.addWorkflowRun(seen, payload.workflow_run as Payload | undefined);

    const sender = payload.sender as Payload | undefined;
    const login = githubLogin(sender?.login);
    if (login && sender?.type !== 'Bot') this.senders.set(login, (this.senders.get(login) ?? 0) + 1);
    this.addLabels(seen, payload);
  }

  /** GitHub's "latest release": published, neither a draft nor a prerelease; a deleted one is latest no more. */
  private addRelease(seen: SeenEvent, release: Payload | undefined): void {
    const tag = refName(release?.tag_name);
    if (!release || !tag) return;
    if (seen.kind === 'github.release.deleted') {
      // The latest seen here, or one a past dream learned: either way it is gone.
      if (!this.release || this.release.tag === tag) this.release = { tag, at: this.release?.at ?? '', seen, deleted: true };
      return;
    }
    if (release.draft === true || release.prerelease === true) return;
    const at = isoTime(release.published_at) ?? isoTime(release.created_at);
    if (!at) return;
    if (!this.release || this.release.deleted || at >= this.release.at) this.release = { tag, at, seen, deleted: false };
  }

  private addWorkflowRun(seen: SeenEvent, run: Payload | undefined): void {
    const workflow = plainPhrase(run?.name, 60);
    const conclusion = typeof run?.conclusion === 'string' && /^[a-z_]{1,20}$/.test(run.conclusion) ? run.conclusion : undefined;
    const at = isoTime(run?.updated_at) ?? isoTime(run?.run_started_at);
    if (!run || !workflow || !conclusion || !at || run.status !== 'completed') return;
    const before = this.workflows.get(workflow);
    if (!before || at >= before.at) this.workflows.set(workflow, { conclusion, at, seen });
  }

  /** Labels on the issue or PR, and one just created or added; a deleted label is in use no more. */
  private addLabels(seen: SeenEvent, payload: Payload): void {
    const label = plainPhrase((payload.label as Payload | undefined)?.name, 50);
    if (label && seen.kind === 'github.label.deleted') {
      this.labels.delete(label);
      return;
    }
    const named = [...labelsOf(payload.issue), ...labelsOf(payload.pull_request)];
    if (!seen.kind.endsWith('.unlabeled')) named.push(payload.label);
    const names = new Set(named.map((l) => plainPhrase((l as Payload | undefined)?.name, 50)).filter((l): l is string => l !== undefined));
    for (const name of names) this.labels.set(name, (this.labels.get(name) ?? 0) + 1);
  }

  facts(): RepoFact[] {
    const facts: RepoFact[] = [];
    const fact = (prefix: string, value: string, seen: SeenEvent, retracted = false) =>
      facts.push({
        repo: this.repo,
        prefix,
        text: `${prefix} ${value}`,
        source: `${seen.ref} (${eventKind(seen.kind)})`,
        date: seen.date,
        ...(retracted ? { retracted } : {}),
      });
    if (this.defaultBranch) fact('Default branch:', `\`${this.defaultBranch.value}\``, this.defaultBranch.seen);
    if (this.release?.deleted) fact('Latest release:', `\`${this.release.tag}\``, this.release.seen, true);
    else if (this.release) fact('Latest release:', `\`${this.release.tag}\` (${this.release.at.slice(0, 10)})`, this.release.seen);
    const workflows = [...this.workflows].sort(([, a], [, b]) => b.at.localeCompare(a.at)).slice(0, MAX_WORKFLOWS);
    for (const [name, run] of workflows.sort(([a], [b]) => a.localeCompare(b))) {
      fact(`CI workflow "${name}" latest run:`, `${run.conclusion} (${run.at.slice(0, 10)})`, run.seen);
    }
    if (this.last && this.senders.size) fact('Most active contributors:', top(this.senders, TOP_CONTRIBUTORS), this.last);
    // Label names in quotes: whoever triages the repository named them, and they reach
    // MEMORY.md, so they read as names, not as sentences (plainPhrase lets no quote in).
    if (this.last && this.labels.size) fact('Labels in use:', top(this.labels, TOP_LABELS, (name) => `"${name}"`), this.last);
    return facts;
  }
}

function labelsOf(item: unknown): unknown[] {
  const labels = (item as Payload | undefined)?.labels;
  return Array.isArray(labels) ? labels.slice(0, 100) : [];
}

/** "alice (12), bob (4)": most first, then by name, so the same events give the same text. */
function top(counts: Map<string, number>, n: number, show = (name: string) => name): string {
  return [...counts]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, n)
    .map(([name, count]) => `${show(name)} (${count})`)
    .join(', ');
}

/**
 * Into memory: a fact with the same prefix in the repository's topic is confirmed when it
 * says the same, replaced (its old value kept as `supersedes`) when this one is not older,
 * removed when it names a release since deleted. A topic file is one repository's: when
 * the slug is held by another title (`a-b/c` and `a/b-c` share one), nothing is learned.
 */
export function applyRepoFacts(memory: WorkingMemory, facts: readonly RepoFact[]): void {
  for (const fact of facts) {
    const held = memory.topics.get(slugify(fact.repo));
    if (held && held.title.toLowerCase() !== fact.repo) continue;
    const existing = held?.facts.find((f) => !f.stale && f.text.startsWith(fact.prefix));
    if (fact.retracted) {
      if (held && existing && `${existing.text} `.startsWith(`${fact.text} `)) memory.remove({ topic: held, fact: existing }, `release deleted (${fact.source})`);
    } else if (!held || !existing) {
      memory.add(fact.repo, { text: fact.text, source: fact.source, confirmed: fact.date });
    } else if (existing.text === fact.text) {
      memory.confirm({ topic: held, fact: existing }, fact.date);
    } else if (sourceDate(existing) <= fact.date) {
      memory.update({ topic: held, fact: existing }, { text: fact.text, source: fact.source, confirmed: fact.date });
    }
  }
}

/** The same facts as observations, so a model consolidator reads them beside the day's notes and activity. */
export function repoFactObservations(facts: readonly RepoFact[]): Observation[] {
  return facts
    .filter((f) => !f.retracted)
    .map((f) => ({ kind: 'event', text: f.text, topic: f.repo, date: f.date, source: f.source }));
}
