export class SmeeChannelServer {
  readonly url: string;
  readonly posts: { channel: string; status: number }[];
  start(): Promise<this>;
  channel(name: string): string;
  connected(name: string): boolean;
  stop(): Promise<void>;
}
