import fs from 'node:fs';
import path from 'node:path';
import { localDate } from '../../clock.js';
import { NOTES_FILE } from '../../memory/index.js';
import type { ActionParams } from '../../policy/index.js';
import { secretMask } from '../../secrets/index.js';
import type { Handler } from './types.js';

/**
 * `notify`: to the owner's channels (src/notify: web push, desktop, ntfy) behind quiet
 * hours and the hourly cap, and to the service's stdout. Keyed by the action id, so a
 * retry after a crash does not notify a channel twice. The channels load on first use.
 */
export const notify: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'notify'>;
  const urgency = params.urgency ?? 'normal';
  const { notifier } = ctx.notifier();
  ctx.print(secretMask().redact(`vigil notify [${urgency}] ${params.title}${params.body ? ` — ${params.body}` : ''}`));
  const notification = { title: params.title, body: params.body, urgency, tag: `action-${ctx.actionId}` };
  const delivery = await notifier.deliver(notification, `action:${ctx.actionId}`);
  return {
    channels: delivery.channels,
    ...(delivery.held ? { held: delivery.held } : {}),
    ...(delivery.failed.length ? { failed: delivery.failed } : {}),
    // Reached nobody (issue 16): the result says so and why, per channel, rather than a quiet `channels: []`.
    ...(delivery.unreached ? { unreached: delivery.unreached } : {}),
  };
};

/**
 * `memory.note`: one line appended to memory/notes.md with where it came from; the
 * dream pass consolidates the notes later. The hidden marker makes a retry a no-op.
 */
export const memoryNote: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'memory.note'>;
  const file = path.join(ctx.memoryDir, NOTES_FILE);
  const marker = `<!-- vigil:action:${ctx.actionId} -->`;
  fs.mkdirSync(ctx.memoryDir, { recursive: true, mode: 0o700 });
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (existing.includes(marker)) return { file, appended: false };
  const source = [`action ${ctx.actionId}`, ctx.eventId !== null ? `event ${ctx.eventId}` : '', localDate(ctx.clock.now())]
    .filter(Boolean)
    .join(', ');
  const topic = params.topic ? `[${params.topic}] ` : '';
  const header = existing ? '' : '# Memory notes\n\nNotes waiting for the next dream.\n\n';
  const text = params.text.replace(/\s*\n\s*/g, ' ');
  fs.appendFileSync(file, `${header}- ${topic}${text} (source: ${source}) ${marker}\n`, { mode: 0o600 });
  return { file, appended: true };
};

/** `remind`: a reminder row; when due, it wakes the next tick. */
export const remind: Handler = async (raw, ctx) => {
  const params = raw as ActionParams<'remind'>;
  const dueAt = Date.parse(params.at);
  ctx.store.reminders.add(ctx.actionId, dueAt, params.note);
  return { dueAt: new Date(dueAt).toISOString() };
};
