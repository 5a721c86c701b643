import fs from 'node:fs';
import path from 'node:path';

/** The task's transcript, one JSON object a line, appended as it happens (a crash keeps what was said). */
export class Transcript {
  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  }

  note(entry: Record<string, unknown>): void {
    fs.appendFileSync(this.file, JSON.stringify(entry) + '\n', { mode: 0o600 });
  }
}
