import readline from 'node:readline/promises';

/** Questions on a terminal; with no terminal (or --non-interactive) every question takes its default. */
export interface Asker {
  ask(question: string, fallback?: string): Promise<string | undefined>;
  close(): void;
}

export function terminalAsker(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Asker {
  const rl = readline.createInterface({ input, output });
  return {
    async ask(question, fallback) {
      const answer = (await rl.question(fallback ? `${question} [${fallback}] ` : `${question} `)).trim();
      return answer || fallback || undefined;
    },
    close: () => rl.close(),
  };
}

export const noAsker: Asker = { ask: async (_q, fallback) => fallback, close: () => undefined };

/** `--github-token -`: the token from stdin, so it shows in no process list or shell history. */
export async function readStdin(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').trim();
}
