import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What a node's request waits for in the database that another node writes (an answer,
 * a test notification's outcome): `probe` every `everyMs` until it gives a value, for at
 * most `budgetMs`. Undefined when the time ran out or `signal` aborted (the node is
 * stopping): the caller says which.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: { budgetMs: number; everyMs: number; signal?: AbortSignal }): Promise<T | undefined> {
  const deadline = performance.now() + options.budgetMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const left = deadline - performance.now();
    if (left <= 0 || options.signal?.aborted) return undefined;
    try {
      await sleep(Math.min(options.everyMs, left), undefined, options.signal ? { signal: options.signal } : undefined);
    } catch {
      return undefined;
    }
  }
}
