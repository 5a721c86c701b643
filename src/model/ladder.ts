/**
 * How hard a request may force the `decide` call on an OpenAI-compatible server
 * (issue 23). `named` (`tool_choice: {type: "function", …}`) is the strongest; LM
 * Studio rejects it, DeepSeek's thinking models refuse any forced choice, llama-server
 * and Ollama ignore it. `required` (with one tool it means the same) is next; `auto`
 * with an explicit instruction is the floor. A request steps down on a refusal that
 * names `tool_choice` or on a reply without a call; the step that last brought a call
 * is remembered per endpoint and model for the life of the process.
 */
export type ToolChoiceStep = 'named' | 'required' | 'auto';

export const TOOL_CHOICE_STEPS: readonly ToolChoiceStep[] = ['named', 'required', 'auto'];

/** Shared by every transport of the process: a reload keeps what the server taught. */
const remembered = new Map<string, ToolChoiceStep>();

export class ToolChoiceLadder {
  /**
   * @param start where an endpoint and model not yet seen begin: `model.toolChoice`, or
   * the server's preset (src/model/presets.ts).
   */
  constructor(
    private readonly endpoint: string,
    private readonly start: (model: string) => ToolChoiceStep,
  ) {}

  current(model: string): ToolChoiceStep {
    return remembered.get(this.key(model)) ?? this.start(model);
  }

  /** `step` brought a call: stay there. */
  worked(model: string, step: ToolChoiceStep): void {
    remembered.set(this.key(model), step);
  }

  /** The step below `from` (now remembered), or undefined when `from` is the floor. */
  stepDown(model: string, from: ToolChoiceStep): ToolChoiceStep | undefined {
    const next = TOOL_CHOICE_STEPS[TOOL_CHOICE_STEPS.indexOf(from) + 1];
    if (next) remembered.set(this.key(model), next);
    return next;
  }

  private key(model: string): string {
    return `${this.start(model)}\n${this.endpoint}\n${model}`;
  }
}
