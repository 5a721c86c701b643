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
