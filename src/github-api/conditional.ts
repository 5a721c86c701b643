import type { GithubOctokit } from './client.js';

/**
 * Conditional GETs (issue 15): each answer is kept with its ETag per URL, and the next
 * request for that URL sends `If-None-Match`. GitHub answers 304 when nothing changed,
 * and a 304 costs no rate limit; the kept answer is used again.
 */

/** What one URL answered last: its ETag and the part of the answer the reader kept. */
export interface KeptAnswer {
  etag: string;
  data: unknown;
}

/** Where kept answers live between ticks (the worker's store, so a new worker still has them). */
export interface AnswerCache {
  load(): Record<string, KeptAnswer>;
  /** Replaces everything kept: a URL not asked for this time (a closed pull request) is dropped. */
  save(kept: Record<string, KeptAnswer>): void;
}

/** An answer cache that lives as long as the object: for a read without a store. */
export function memoryCache(): AnswerCache {
  let kept: Record<string, KeptAnswer> = {};
  return { load: () => kept, save: (next) => void (kept = next) };
}

export interface ConditionalStats {
  requests: number;
  notModified: number;
}

/**
 * One reader's round of conditional GETs: `get` asks with the ETag kept for the URL,
 * `finish` saves the answers this round used (and only those).
 */
export class ConditionalReader {
  private readonly previous: Record<string, KeptAnswer>;
  private readonly used: Record<string, KeptAnswer> = {};
  readonly stats: ConditionalStats = { requests: 0, notModified: 0 };

  constructor(
    private readonly octokit: GithubOctokit,
    private readonly cache: AnswerCache,
    private readonly signal: AbortSignal,
  ) {
    this.previous = cache.load();
  }

  /** `route` is a GET route; `keep` picks what is worth keeping from its answer (the cache holds only that). */
  async get<T>(route: string, params: Record<string, unknown>, keep: (data: unknown) => T): Promise<T> {
    this.signal.throwIfAborted();
    if (!route.startsWith('GET ')) throw new Error(`a conditional read is a GET, not ${route}`);
    const url = this.octokit.request.endpoint(route, params).url;
    const kept = this.previous[url];
    this.stats.requests++;
    try {
      const response = await this.octokit.request(route, {
        ...params,
        ...(kept ? { headers: { 'if-none-match': kept.etag } } : {}),
        request: { signal: this.signal },
      });
      const data = keep(response.data);
      const etag = response.headers.etag;
      if (etag) this.used[url] = { etag, data };
      return data;
    } catch (err) {
      // Octokit raises a 304 as an error: it is the answer "what you have is current".
      if ((err as { status?: number }).status === 304 && kept) {
        this.stats.notModified++;
        this.used[url] = kept;
        return kept.data as T;
      }
      throw err;
    }
  }

  finish(): void {
    this.cache.save(this.used);
  }
}
