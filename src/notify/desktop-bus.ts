import type { ClientInterface, MessageBus } from 'dbus-next';

/**
 * The Desktop Notifications protocol (org.freedesktop.Notifications, spec 1.2) over the
 * session bus, through `dbus-next`, imported on first use: a vigil that never shows an
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
/** Given, not introspected: one round trip less, and servers whose introspection is partial still work. */
const INTROSPECTION = `<node><interface name="${SERVICE}">
<method name="GetCapabilities"><arg type="as" direction="out"/></method>
<method name="Notify"><arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/><arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/></method>
<method name="CloseNotification"><arg type="u" direction="in"/></method>
<method name="GetServerInformation"><arg type="s" direction="out"/><arg type="s" direction="out"/><arg type="s" direction="out"/><arg type="s" direction="out"/></method>
<signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
<signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
</interface></node>`;

/** Where the session bus is, or why there is none. */
export function sessionBusAddress(env: NodeJS.ProcessEnv): string | undefined {
  const address = env.DBUS_SESSION_BUS_ADDRESS?.trim();
  if (address) return address;
  // systemd's user bus, which desktop sessions and `loginctl enable-linger` provide.
  return env.XDG_RUNTIME_DIR ? `unix:path=${env.XDG_RUNTIME_DIR}/bus` : undefined;
}

export async function connectNotifications(busAddress: string, timeoutMs: number): Promise<NotificationsBus> {
  const dbus = await import('dbus-next');
  const lib = ((dbus as unknown as { default?: typeof dbus }).default ?? dbus) as typeof dbus;
  const bus: MessageBus = lib.sessionBus({ busAddress });
  let broken: Error | undefined;
  // A socket error after connecting must not become an uncaught exception in the daemon.
  bus.on('error', (err: unknown) => {
    broken = err instanceof Error ? err : new Error(String(err));
  });
  const within = <T>(what: string, p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: no answer on the session bus in ${timeoutMs} ms`)), timeoutMs);
      p.then(
        (v) => (clearTimeout(timer), resolve(v)),
        (err: unknown) => (clearTimeout(timer), reject(err instanceof Error ? err : new Error(String(err)))),
      );
    });
  let iface: ClientInterface;
  try {
    const object = await within('connecting', bus.getProxyObject(SERVICE, OBJECT, INTROSPECTION));
    iface = object.getInterface(SERVICE);
  } catch (err) {
    bus.disconnect();
    throw broken ?? err;
  }
  const call = <T>(method: string, ...args: unknown[]): Promise<T> => {
    if (broken) return Promise.reject(broken);
    return within(method, (iface[method] as (...a: unknown[]) => Promise<T>)(...args));
  };
  return {
    async serverInformation() {
      const [name, vendor, version, specVersion] = await call<string[]>('GetServerInformation');
      return { name: name ?? '', vendor: vendor ?? '', version: version ?? '', specVersion: specVersion ?? '' };
    },
    capabilities: () => call<string[]>('GetCapabilities'),
    async notify(n) {
      const hints = { urgency: new lib.Variant('y', n.urgency) };
      return call<number>('Notify', 'vigil', n.replacesId ?? 0, '', n.summary, n.body, n.actions, hints, n.expireTimeoutMs);
    },
    async close(id) {
      await call<void>('CloseNotification', id);
    },
    onAction: (listener) => void iface.on('ActionInvoked', listener),
    onClosed: (listener) => void iface.on('NotificationClosed', listener),
    disconnect: () => bus.disconnect(),
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
