import type { Channel, ChannelOutcome, Notification } from './types.js';
import { errorText } from '../errors.js';

/**
 * Sends one notification through every channel at once. Each channel gets its own
 * deadline: one that throws or hangs is recorded as failed or timed out, and never
 * delays the others past its timeout (issue 6). Resolves when every channel has
 * answered or run out of time; it never rejects.
 */
export async function fanOut(channels: readonly Channel[], notification: Notification, timeoutMs: number): Promise<ChannelOutcome[]> {
  return Promise.all(channels.map((channel) => sendWithDeadline(channel, notification, timeoutMs)));
}

async function sendWithDeadline(channel: Channel, notification: Notification, timeoutMs: number): Promise<ChannelOutcome> {
  const started = Date.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ChannelOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
      resolve({ channel: channel.name, status: 'timeout', detail: `no answer in ${timeoutMs} ms`, ms: Date.now() - started });
    }, timeoutMs);
    timer.unref();
  });
  const attempt = (async (): Promise<ChannelOutcome> => {
    try {
      const report = await channel.send(notification, controller.signal);
      const status = report.delivered ? 'sent' : 'skipped';
      return { channel: channel.name, status, ...(report.detail ? { detail: report.detail } : {}), ms: Date.now() - started };
    } catch (err) {
      return { channel: channel.name, status: 'failed', detail: errorText(err), ms: Date.now() - started };
    }
  })();
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

