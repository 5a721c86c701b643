import type { DecisionRule, ModelConfig, Secrets } from '../config/index.js';
import { systemClock, type Clock } from '../clock.js';
import { VigilError } from '../errors.js';
import { AnthropicTransport } from './anthropic.js';
import { CircuitBreaker } from './circuit.js';
import { jsonCompletion, type JsonCompletion } from './complete-json.js';
import { ConversationModel, type ConversationOptions } from './conversation.js';
import type { ModelProvider } from './decision.js';
import { OpenAITransport } from './openai.js';
import { makeRedactor, secretValues } from './redact.js';
import { probeDecision, type DecisionProbe } from './probe.js';
import { RemoteProvider } from './remote.js';
import { RulesProvider } from './rules.js';
import type { Transport } from './transport.js';
import type { UsageRecorder } from './usage.js';

export {
  DecisionInput,
  type Decision,
  type DecisionEvent,
  type Prompt,
  type DecisionRequest,
  type DecisionResult,
  type Usage,
  type CircuitStatus,
  type ModelObserver,
  type ModelProvider,
  type Investigation,
  type ToolCall,
  type DecisionBudgets,
} from './decision.js';
export { CircuitBreaker } from './circuit.js';
export { ModelCallError } from './transport.js';
export type { JsonCompletion, JsonTool } from './complete-json.js';
export { dayUsage, usageReport, type UsageRecorder } from './usage.js';
export { ConversationModel, type ConversationMessage, type ToolResultBlock, type ToolSpec } from './conversation.js';
export { makeRedactor, secretValues } from './redact.js';
export { callRecords } from './observer-records.js';
export { applyRules } from './rules.js';
export type { DecisionProbe } from './probe.js';

/** The Anthropic model used when config names none. */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-4-6';

export interface ProviderDeps {
  /** API keys, and every other secret: none may leave through a prompt or a log line. */
  secrets?: Partial<Secrets>;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** Seams for tests: the backoff wait and its jitter. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/**
 * The provider the config names. Building one is cheap and loads no SDK: that happens
 * on the first decision, so an idle vigil never pays for it. A missing API key or a
 * bad endpoint fails here, at start (exit 78), not on the first event.
 */
export function createProvider(model: Readonly<ModelConfig>, rules: readonly DecisionRule[], deps: ProviderDeps = {}): ModelProvider {
  if (model.provider === 'rules') return new RulesProvider(rules);
  const env = deps.env ?? process.env;
  const secrets = deps.secrets ?? {};
  const fallback = model.model ?? (model.provider === 'anthropic' ? DEFAULT_ANTHROPIC_MODEL : '');
  return new RemoteProvider({
    transport: model.provider === 'anthropic' ? anthropicTransport(model, secrets, env) : openaiTransport(model, secrets, env),
    models: { tick: model.tickModel ?? fallback, event: model.eventModel ?? fallback },
    maxTokens: model.maxTokens,
    timeoutMs: model.timeoutSeconds * 1000,
    retry: { retries: model.retries, initialDelayMs: model.retryDelayMs, maxDelayMs: model.retryMaxDelayMs },
    circuit: circuitFor(model),
    clock: deps.clock ?? systemClock,
    redact: makeRedactor(secretValues(secrets)),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  });
}

/** Room for a long JSON answer (a dream's operations), whatever `maxTokens` allows a decision. */
const MIN_JSON_MAX_TOKENS = 4096;

/**
 * JSON answers (the dream's consolidation) from the configured provider: the same
 * endpoint, key, redaction, timeout and retries as decisions, with the event model.
 * Undefined for the offline `rules` provider. Loads no SDK until the first call.
 */
export function createJsonCompletion(model: Readonly<ModelConfig>, deps: ProviderDeps = {}): JsonCompletion | undefined {
  if (model.provider === 'rules') return undefined;
  const env = deps.env ?? process.env;
  const secrets = deps.secrets ?? {};
  const fallback = model.model ?? (model.provider === 'anthropic' ? DEFAULT_ANTHROPIC_MODEL : '');
  return jsonCompletion({
    transport: model.provider === 'anthropic' ? anthropicTransport(model, secrets, env) : openaiTransport(model, secrets, env),
    model: model.eventModel ?? fallback,
    maxTokens: Math.max(model.maxTokens, MIN_JSON_MAX_TOKENS),
    timeoutMs: model.timeoutSeconds * 1000,
    retry: { retries: model.retries, initialDelayMs: model.retryDelayMs, maxDelayMs: model.retryMaxDelayMs },
    redact: makeRedactor(secretValues(secrets)),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  });
}

/**
 * `vigil doctor --model`: one tiny forced-decide request through the transport the
 * daemon would build, with the model events use.
 */
export function probeConfiguredDecision(model: Readonly<ModelConfig>, deps: ProviderDeps = {}): Promise<DecisionProbe> {
  const env = deps.env ?? process.env;
  const secrets = deps.secrets ?? {};
  const transport = model.provider === 'anthropic' ? anthropicTransport(model, secrets, env) : openaiTransport(model, secrets, env);
  const name = model.eventModel ?? model.model ?? DEFAULT_ANTHROPIC_MODEL;
  return probeDecision(model, transport, name, model.timeoutSeconds * 1000);
}

/** Output tokens of one agent turn at most: room for a whole file written in one call. */
const AGENT_MAX_TOKENS_PER_CALL = 8192;

interface AgentModelDeps extends ProviderDeps {
  /** Where the agent's tokens go (the worker hands in its usage ledger). */
  recorder: UsageRecorder;
  /** The agent's redactor (every secret the worker withholds); else the secrets' own. */
  redact?: (text: string) => string;
  /** Shared by the tasks of one worker: a dead API fails the next task at once. */
  circuit?: CircuitBreaker;
  observer?: ConversationOptions['observer'];
}

/**
 * The built-in agent's model: the Messages API with the config's key, endpoint,
 * timeout, retries and circuit, its tokens recorded as `agent`. The agent converses
 * with tools, which only the Anthropic transport speaks; with another decision
 * provider it still uses Anthropic's default model when an Anthropic key is set.
 * Undefined without that key. Loads no SDK until the first call.
 */
export function createAgentModel(model: Readonly<ModelConfig>, deps: AgentModelDeps): ConversationModel | undefined {
  const secrets = deps.secrets ?? {};
  if (!secrets.anthropicApiKey) return undefined;
  const anthropic = model.provider === 'anthropic';
  const baseURL = endpoint('ANTHROPIC_BASE_URL', deps.env ?? process.env) ?? (anthropic ? model.baseURL : undefined);
  const transport = new AnthropicTransport({
    apiKey: secrets.anthropicApiKey,
    ...(baseURL ? { baseURL } : {}),
    timeoutMs: model.timeoutSeconds * 1000,
    stream: anthropic && model.stream,
    cacheTtl: model.cacheTtl,
  });
  return new ConversationModel({
    transport,
    model: (anthropic && model.model) || DEFAULT_ANTHROPIC_MODEL,
    maxTokens: AGENT_MAX_TOKENS_PER_CALL,
    purpose: 'agent',
    recorder: deps.recorder,
    timeoutMs: model.timeoutSeconds * 1000,
    retry: { retries: model.retries, initialDelayMs: model.retryDelayMs, maxDelayMs: model.retryMaxDelayMs },
    circuit: deps.circuit ?? circuitFor(model),
    clock: deps.clock ?? systemClock,
    redact: deps.redact ?? makeRedactor(secretValues(secrets)),
    ...(deps.observer ? { observer: deps.observer } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  });
}

/** A circuit breaker with the config's thresholds (decisions; each worker's agent tasks). */
export function circuitFor(model: Readonly<ModelConfig>): CircuitBreaker {
  return new CircuitBreaker({ failures: model.circuit.failures, coolDownMs: model.circuit.coolDownSeconds * 1000 });
}

function anthropicTransport(model: Readonly<ModelConfig>, secrets: Partial<Secrets>, env: NodeJS.ProcessEnv): Transport {
  if (!secrets.anthropicApiKey) {
    throw new VigilError('VIGIL_ERR_SECRETS', 'model.provider "anthropic" needs an API key: set ANTHROPIC_API_KEY or anthropicApiKey in secrets.json');
  }
  const baseURL = endpoint('ANTHROPIC_BASE_URL', env) ?? model.baseURL;
  return new AnthropicTransport({
    apiKey: secrets.anthropicApiKey,
    ...(baseURL ? { baseURL } : {}),
    timeoutMs: model.timeoutSeconds * 1000,
    stream: model.stream,
    cacheTtl: model.cacheTtl,
  });
}

function openaiTransport(model: Readonly<ModelConfig>, secrets: Partial<Secrets>, env: NodeJS.ProcessEnv): Transport {
  const baseURL = endpoint('OPENAI_BASE_URL', env) ?? model.baseURL;
  return new OpenAITransport({
    ...(secrets.openaiApiKey ? { apiKey: secrets.openaiApiKey } : {}),
    ...(baseURL ? { baseURL } : {}),
    timeoutMs: model.timeoutSeconds * 1000,
    stream: model.stream,
    ...(model.toolChoice ? { toolChoice: model.toolChoice } : {}),
    ...(model.extraBody ? { extraBody: model.extraBody } : {}),
    ...(model.server ? { server: model.server } : {}),
  });
}

/** `ANTHROPIC_BASE_URL` / `OPENAI_BASE_URL` override `model.baseURL` (docs/contract.md: env points the clients elsewhere). */
function endpoint(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  try {
    new URL(value);
  } catch {
    throw new VigilError('VIGIL_ERR_CONFIG', `${name}: "${value}" is not a URL`);
  }
  return value;
}
