import { z } from 'zod';
import { VigilError } from '../errors.js';
import { absoluteDates } from './dates.js';
import type { FactRef, Observation, WorkingMemory } from './working-memory.js';

const factNumber = z.number().int();
const text = z.string().trim().min(1).max(500);
const from = z.array(z.number().int()).min(1).max(50);

/** What a model may propose about memory. Facts and observations are small numbers from the prompt, never ids. */
export const MemoryOperation = z.discriminatedUnion('op', [
  z.object({ op: z.literal('ADD'), topic: z.string().trim().min(1).max(80), text, from }).strict(),
  z.object({ op: z.literal('UPDATE'), fact: factNumber, text, from }).strict(),
  z.object({ op: z.literal('DELETE'), fact: factNumber, reason: z.string().max(300).default('') }).strict(),
  z.object({ op: z.literal('KEEP'), fact: factNumber }).strict(),
]);
export type MemoryOperation = z.infer<typeof MemoryOperation>;

export const OperationBatch = z.object({ operations: z.array(MemoryOperation).max(1000) }).strict();

function reject(detail: string): never {
  throw new VigilError('VIGIL_ERR_DREAM_OPERATIONS', detail);
}

/** A model's answer: an object, or JSON text (fences tolerated). */
function asJson(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const body = raw.trim().replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');
  try {
    return JSON.parse(body);
  } catch {
    return reject('the answer is not JSON');
  }
}

/**
 * Check a whole batch before anything is applied: the shape, every fact number
 * (1..facts), every observation number (1..observations), and at most one operation
 * per fact. One bad operation rejects the batch.
 */
export function validateOperations(raw: unknown, facts: number, observations: number): MemoryOperation[] {
  const parsed = OperationBatch.safeParse(asJson(raw));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    reject(`${issue?.path.join('.') || 'answer'}: ${issue?.message ?? 'invalid'}`);
  }
  const touched = new Set<number>();
  parsed.data.operations.forEach((op, i) => {
    const where = `operation ${i + 1} (${op.op})`;
    if (op.op !== 'ADD') {
      if (op.fact < 1 || op.fact > facts) reject(`${where}: there is no fact ${op.fact} (facts are 1..${facts})`);
      if (touched.has(op.fact)) reject(`${where}: fact ${op.fact} has more than one operation`);
      touched.add(op.fact);
    }
    if (op.op === 'ADD' || op.op === 'UPDATE') {
      const bad = op.from.find((n) => n < 1 || n > observations);
      if (bad !== undefined) reject(`${where}: there is no observation ${bad} (observations are 1..${observations})`);
    }
  });
  return parsed.data.operations;
}

/** Apply a validated batch. Sources come from the observations the model cited. */
export function applyOperations(
  memory: WorkingMemory,
  facts: readonly FactRef[],
  observations: readonly Observation[],
  operations: readonly MemoryOperation[],
  today: string,
): void {
  for (const op of operations) {
    if (op.op === 'KEEP') {
      memory.confirm(facts[op.fact - 1]!, today);
    } else if (op.op === 'DELETE') {
      memory.remove(facts[op.fact - 1]!, op.reason || 'deleted by the dream');
    } else {
      const cited = op.from.map((n) => observations[n - 1]!);
      const latest = cited.reduce((a, b) => (b.date > a.date ? b : a));
      const next = { text: absoluteDates(op.text, latest.date), source: latest.source, confirmed: latest.date };
      if (op.op === 'ADD') memory.add(op.topic, next);
      else memory.update(facts[op.fact - 1]!, next);
    }
  }
}
