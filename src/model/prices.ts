import type { ModelConfig } from '../config/index.js';
import type { Usage } from './decision.js';

type Price = ModelConfig['prices'][string];

/**
 * US dollars per million tokens for the models vigil names by default (Anthropic's
 * list prices when this was written). An estimate, not a bill: `model.prices` in
 * config.json overrides or adds models.
 */
export const BUILT_IN_PRICES: Readonly<Record<string, Price>> = Object.freeze({
  'claude-sonnet-4-6': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-opus-4-6': { input: 5, output: 25 },
});

/** Anthropic bills cache writes at 1.25× input (5 min lifetime) or 2× (1 h), cache reads at 0.1×. */
const CACHE_WRITE_FACTOR = { '5m': 1.25, '1h': 2 } as const;
const CACHE_READ_FACTOR = 0.1;

/** The configured price of a model, else a built-in one (also for dated ids like `claude-haiku-4-5-20251001`). */
export function priceFor(model: string, configured: Readonly<Record<string, Price>>): Price | undefined {
  if (configured[model]) return configured[model];
  if (BUILT_IN_PRICES[model]) return BUILT_IN_PRICES[model];
  const base = Object.keys(BUILT_IN_PRICES).find((name) => model.startsWith(`${name}-`));
  return base ? BUILT_IN_PRICES[base] : undefined;
}

export function estimateCostUsd(usage: Usage, price: Price, cacheTtl: '5m' | '1h'): number {
  const cacheWrite = price.cacheWrite ?? price.input * CACHE_WRITE_FACTOR[cacheTtl];
  const cacheRead = price.cacheRead ?? price.input * CACHE_READ_FACTOR;
  const dollars =
    usage.inputTokens * price.input +
    usage.outputTokens * price.output +
    usage.cacheCreationTokens * cacheWrite +
    usage.cacheReadTokens * cacheRead;
  return dollars / 1_000_000;
}
