/**
 * A node's dream with a model (issue 19 with issue 5), as a real process on a real
 * cluster: with `model.provider` anthropic the node that holds the dreamer role asks the
 * model to consolidate — the real SDK against the fake Messages API, one forced
 * `consolidate` call — and commits what it proposes into the team's memory, as a home's
 * dream child does; `dream.finished` names the model consolidator and its tokens.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeHome, startDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { issueOpened, startedFakeAnthropic, useTeamProcesses, waitFor } from './team-helpers.js';

const PG = postgresAvailability();
const KEY = 'sk-ant-TEAM-FAKE-KEY-model-dream';

/** The request's prompt text (the consolidation's one user message). */
const promptOf = (body: { messages?: { content: unknown }[] }) => {
  const content = body.messages?.[0]?.content;
  return typeof content === 'string' ? content : ((content ?? []) as { text?: string }[]).map((b) => b.text ?? '').join('');
};

describe.runIf(PG.available)("a node's dream with a model (real process, real SDK, real cluster)", () => {
  const cluster = usePostgres('team_model_dream');
  const db = useFreshDatabase(cluster, 'team_model_dream');
  const { daemons, stops } = useTeamProcesses();

  it('the dreamer asks the model to consolidate and commits the fact it adds; dream.finished says model', async () => {
    const model = await startedFakeAnthropic(stops);
    model.respond = (body) => {
      if ((body as { tool_choice?: { name?: string } }).tool_choice?.name !== 'consolidate') return { decide: { act: false, summary: 'an issue; nothing to do', proposals: [] } };
      // The first observation the prompt numbers is the source of the fact.
      const observation = /# Observations[\s\S]*?^\[(\d+)\]/m.exec(promptOf(body as { messages?: { content: unknown }[] }));
      return { tool: 'consolidate', decide: { operations: [{ op: 'ADD', topic: 'octo/app', text: 'Issues on octo/app come in bursts after releases.', from: [Number(observation?.[1] ?? 1)] }] } };
    };
    const home = makeHome({
      store: { url: db.url, leaseSeconds: 5 },
      model: { provider: 'anthropic', timeoutSeconds: 10 },
      github: { coalesceSeconds: 0 },
      dream: { idleMinutes: 0.02, minHours: 0 },
    });
    const node = await startDaemon(home, { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: model.url }, 40_000, ['--node', 'alpha']);
    daemons.push(node);
    for (let n = 1; n <= 12; n++) {
      expect((await postDelivery(node.url, webhookSecret(home), issueOpened(n), { event: 'issues', deliveryId: crypto.randomUUID() })).status).toBe(202);
    }
    const finished = async () =>
      (await db.sql<{ line: string }>(`SELECT line FROM log_entries WHERE type = 'dream.finished'`)).rows.map((r) => JSON.parse(r.line) as Record<string, unknown>);
    await waitFor(async () => (await finished()).length === 1, 'the dream to finish', 60_000);
    expect((await finished())[0]).toMatchObject({ consolidator: 'model' });
    expect(model.calls.filter((c) => (c.body as { tool_choice?: { name?: string } }).tool_choice?.name === 'consolidate')).toHaveLength(1);
    const topic = (await db.sql<{ content: string }>(`SELECT content FROM memory_files WHERE path = 'topics/octo-app.md' ORDER BY version DESC LIMIT 1`)).rows[0]?.content;
    expect(topic).toContain('Issues on octo/app come in bursts after releases.');
  }, 120_000);
});
