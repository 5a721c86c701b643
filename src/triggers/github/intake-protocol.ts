import type { GithubConfig } from '../../config/index.js';

/** A verified delivery as the route hands it over: the body still unparsed. */
export interface RawDelivery {
  deliveryId: string;
  event: string;
  body: string;
  contentType?: string;
}

export type IntakeResult =
  | { status: 'invalid' }
  | { status: 'stored' | 'duplicate'; eventId: number; kind: string; filtered?: string };

export type ToIntakeThread =
  | { type: 'filter'; filter: GithubConfig }
  | { type: 'batch'; id: number; now: number; deliveries: RawDelivery[] };

export type FromIntakeThread =
  | { type: 'batch'; id: number; results: IntakeResult[] }
  | { type: 'failed'; id: number; message: string };
