export { Journal } from './journal.js';
export { OutboxJournal } from './outbox-journal.js';
export type { JournalAppender, JournalBatchWriter, JournalStager, JournalWriter } from './writer.js';
