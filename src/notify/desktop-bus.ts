import net from 'node:net';

/**
 * The Desktop Notifications protocol (org.freedesktop.Notifications, spec 1.2) over the
 * session bus, through `@homebridge/dbus-native` (plain JavaScript: no native add-on to build at install), imported on first use: a vigil that never shows an
 * approval on the desktop and never runs `vigil doctor` never loads it.
 */
export interface NotificationServer {
  name: string;
  vendor: string;
  version: string;
  specVersion: string;
}

export interface BusNotification {
  summary: string;
  body: string;
  /** Pairs of action key and label, as the protocol lays them out. */
  actions: string[];
  /** 0 low, 1 normal, 2 critical (a critical notification stays until it is closed). */
  urgency: 0 | 1 | 2;
  /** -1: the server decides; 0: never expires. */
  expireTimeoutMs: number;
  /** A notification of ours to replace in place (0: a new one). */
  replacesId?: number;
}

export interface NotificationsBus {
  serverInformation(): Promise<NotificationServer>;
  capabilities(): Promise<string[]>;
  notify(n: BusNotification): Promise<number>;
  close(id: number): Promise<void>;
  /** The server emits these to the connection that sent the notification, so it must stay open. */
  onAction(listener: (id: number, key: string) => void): void;
  onClosed(listener: (id: number, reason: number) => void): void;
  disconnect(): void;
}

const SERVICE = 'org.freedesktop.Notifications';
const OBJECT = '/org/freedesktop/Notifications';

/** Where the session bus is, or why there is none. */
export function sessionBusAddress(env: NodeJS.ProcessEnv): string | undefined {
  const address = env.DBUS_SESSION_BUS_ADDRESS?.trim();
  if (address) return address;
  // systemd's user bus, which desktop sessions and `loginctl enable-linger` provide.
  return env.XDG_RUNTIME_DIR ? `unix:path=${env.XDG_RUNTIME_DIR}/bus` : undefined;
}

/** What vigil uses of `@homebridge/dbus-native` (its own typings leave `sessionBus` out). */
interface DBusReplyError {
  name?: string;
  message?: unknown;
}
interface DBusMessageBus {
  connection: NodeJS.EventEmitter & { end(): void };
  signals: NodeJS.EventEmitter;
  invoke(message: { destination: string; path: string; interface: string; member: string; signature?: string; body?: unknown[] }, callback: (err: DBusReplyError | null, ...body: unknown[]) => void): void;
  addMatch(rule: string, callback: (err: DBusReplyError | null) => void): void;
  mangle(path: string, iface: string, member: string): string;
}
interface DBusNative {
  sessionBus(opts: { busAddress?: string; stream?: net.Socket }): DBusMessageBus;
}

/**
 * The stream to a `unix:abstract=` address, which the library cannot open without a native
 * add-on (and Node's own sockets can, on Linux): dbus-daemon's `unix:tmpdir=` listens there
 * on some systems. Other addresses (`unix:path=`, the usual `/run/user/N/bus`) the library opens.
 */
function abstractSocket(busAddress: string): net.Socket | undefined {
  const first = busAddress.split(';')[0] ?? '';
  if (!first.startsWith('unix:')) return undefined;
  const params = new Map(first.slice('unix:'.length).split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
  const name = params.get('abstract');
  return name === undefined ? undefined : net.createConnection(`\u0000${decodeURIComponent(name)}`);
}

export async function connectNotifications(busAddress: string, timeoutMs: number): Promise<NotificationsBus> {
  const mod = (await import('@homebridge/dbus-native')) as unknown as DBusNative & { default?: DBusNative };
  const lib = mod.default ?? mod;
  const stream = abstractSocket(busAddress);
  const bus = lib.sessionBus(stream ? { stream } : { busAddress });
  let broken: Error | undefined;
  let fail: (err: Error) => void = () => {};
  // Every pending call ends when the connection does, instead of waiting out its timeout.
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  // A socket error after connecting must not become an uncaught exception in the daemon.
  bus.connection.on('error', (err: unknown) => {
    broken = err instanceof Error ? err : new Error(String(err));
    fail(broken);
  });
  bus.connection.on('end', () => {
    broken ??= new Error('the session bus closed the connection');
    fail(broken);
  });
  const within = <T>(what: string, p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: no answer on the session bus in ${timeoutMs} ms`)), timeoutMs);
      Promise.race([p, failed]).then(
        (v) => (clearTimeout(timer), resolve(v)),
        (err: unknown) => (clearTimeout(timer), reject(err instanceof Error ? err : new Error(String(err)))),
      );
    });
  const replyError = (what: string, err: DBusReplyError) => new Error(`${what}: ${err.name ?? 'error'}${typeof err.message === 'string' && err.message ? `: ${err.message}` : ''}`);
  const call = <T extends unknown[]>(member: string, signature?: string, body?: unknown[]): Promise<T> => {
    if (broken) return Promise.reject(broken);
    return within(
      member,
      new Promise<T>((resolve, reject) =>
        bus.invoke({ destination: SERVICE, path: OBJECT, interface: SERVICE, member, ...(signature ? { signature, body } : {}) }, (err, ...reply) =>
          err ? reject(replyError(member, err)) : resolve(reply as T),
        ),
      ),
    );
  };
  try {
    // The server's signals reach us by this rule; its answer also proves the bus is there.
    await within(
      'connecting',
      new Promise<void>((resolve, reject) =>
        bus.addMatch(`type='signal',interface='${SERVICE}',path='${OBJECT}'`, (err) => (err ? reject(replyError('AddMatch', err)) : resolve())),
      ),
    );
  } catch (err) {
    bus.connection.end();
    throw broken ?? err;
  }
  const onSignal = (member: string, listener: (body: unknown[]) => void) => bus.signals.on(bus.mangle(OBJECT, SERVICE, member), (body: unknown[] | undefined) => listener(body ?? []));
  return {
    async serverInformation() {
      const [name, vendor, version, specVersion] = await call<(string | undefined)[]>('GetServerInformation');
      return { name: name ?? '', vendor: vendor ?? '', version: version ?? '', specVersion: specVersion ?? '' };
    },
    capabilities: async () => (await call<[string[]]>('GetCapabilities'))[0],
    async notify(n) {
      const hints = [['urgency', ['y', n.urgency]]];
      const [id] = await call<[number]>('Notify', 'susssasa{sv}i', ['vigil', n.replacesId ?? 0, '', n.summary, n.body, n.actions, hints, n.expireTimeoutMs]);
      return id;
    },
    async close(id) {
      await call('CloseNotification', 'u', [id]);
    },
    onAction: (listener) => void onSignal('ActionInvoked', (b) => listener(Number(b[0]), String(b[1]))),
    onClosed: (listener) => void onSignal('NotificationClosed', (b) => listener(Number(b[0]), Number(b[1]))),
    disconnect: () => bus.connection.end(),
  };
}

/** `vigil doctor`'s question: does a notification server answer on this bus, and which? */
export async function probeNotificationServer(busAddress: string, timeoutMs: number): Promise<NotificationServer> {
  const bus = await connectNotifications(busAddress, timeoutMs);
  try {
    return await bus.serverInformation();
  } finally {
    bus.disconnect();
  }
}

/**
 * The body is markup to servers with "body-markup" (Pango's subset of HTML): text from
 * GitHub would set the popup's size and colour, or lose `Vec<T>`. The summary is plain
 * text by the protocol (dunst escapes it itself), so it is not escaped twice.
 */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
