import type { Store } from '../store/index.js';

/** A position in the daily logs: a day's file and a byte offset at a line start. */
export interface LogMark {
  date: string;
  offset: number;
}

/** What a dream leaves for the next: when it ran, and how far into the logs it read. */
export interface DreamState {
  lastDreamAt: number | null;
  lastDreamId: string | null;
  /** Where the next dream starts reading; null: from the first log. */
  watermark: LogMark | null;
  lastFailedAt: number | null;
  lastFailure: string | null;
}

const KEY = 'dream.state';

export function loadDreamState(store: Store): DreamState {
  const saved = store.kv.get(KEY) ?? {};
  return {
    lastDreamAt: saved.lastDreamAt ?? null,
    lastDreamId: saved.lastDreamId ?? null,
    watermark: saved.watermark ?? null,
    lastFailedAt: saved.lastFailedAt ?? null,
    lastFailure: saved.lastFailure ?? null,
  };
}

export function saveDreamState(store: Store, patch: Partial<DreamState>): void {
  store.transaction(() => store.kv.set(KEY, { ...loadDreamState(store), ...patch }));
}

export function markText(mark: LogMark | null): string | null {
  return mark ? `${mark.date}@${mark.offset}` : null;
}
