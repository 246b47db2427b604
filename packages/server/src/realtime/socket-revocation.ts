/**
 * Ends or resets operator sockets when the operator's access changes, on every instance. The
 * account code announces a change (`auth/access-changes.ts`); the announcement travels on the bus
 * to every instance, and each re-checks its own sockets of that operator against the database:
 *
 * - session ended (logout, password change, refresh-token reuse) or operator removed: close
 *   `4401` (`Session revoked`); the client logs in again.
 * - role changed: close `4409` (`Role changed; reconnect`); the same token reconnects with the new
 *   role, so whatever a role may do on a socket is decided afresh rather than patched in place.
 *
 * When the bus comes back from an outage, announcements made meanwhile may be lost: every
 * operator socket here is re-checked then.
 */
import { CLOSE_CODES } from '@miptech/protocol';
import type { AccessChange, AnnounceAccessChange } from '../auth/access-changes.ts';
import type { Bus, BusEvent } from '../bus/bus.ts';
import type { Store } from '../storage/store.ts';
import { type OperatorStanding, operatorStanding, type SocketPrincipal } from './socket-auth.ts';

/** The bus channel of access changes; one for the platform, since changes are rare. */
export const ACCESS_CHANNEL = 'access';

/** What the registry needs of a live connection. */
export interface RevocableConnection {
  readonly tenantId: string;
  readonly principal: SocketPrincipal;
  close(code: number, reason: string): void;
}

/** Where failures of a re-check are reported; pino fits. */
interface RevocationLog {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

export interface SocketRevocationOptions {
  bus: Bus;
  store: Store;
  log: RevocationLog;
}

/**
 * The live connections of this instance, by tenant, and the announcer of access changes.
 *
 * @example
 * const revocation = await SocketRevocation.start({ bus, store, log });
 * const untrack = revocation.track(connection); // on close: untrack()
 * await revocation.announce({ tenant_id: 'acme', operator_id: 'op-1', reason: 'logout' });
 */
export class SocketRevocation {
  readonly #options: SocketRevocationOptions;
  readonly #byTenant = new Map<string, Set<RevocableConnection>>();
  #unsubscribe: (() => Promise<void>) | undefined;
  #stopRecovery: (() => void) | undefined;

  /** Subscribes to the access channel; resolves once announcements from any instance arrive. */
  static async start(options: SocketRevocationOptions): Promise<SocketRevocation> {
    const revocation = new SocketRevocation(options);
    revocation.#unsubscribe = await options.bus.subscribe(ACCESS_CHANNEL, (event) =>
      revocation.#receive(event),
    );
    revocation.#stopRecovery = options.bus.onRecovered(() => revocation.#recheckAll());
    return revocation;
  }

  /** Use {@link SocketRevocation.start}, which also subscribes. */
  constructor(options: SocketRevocationOptions) {
    this.#options = options;
  }

  /** Announces a change to every instance (this one included); never throws. */
  readonly announce: AnnounceAccessChange = async (change) => {
    await this.#options.bus.publish(ACCESS_CHANNEL, { ...change });
  };

  /** Keeps `connection` where announcements find it; returns the function that forgets it. */
  track(connection: RevocableConnection): () => void {
    let connections = this.#byTenant.get(connection.tenantId);
    if (!connections) {
      connections = new Set();
      this.#byTenant.set(connection.tenantId, connections);
    }
    connections.add(connection);
    const tracked = connections;
    return () => {
      tracked.delete(connection);
      if (tracked.size === 0 && this.#byTenant.get(connection.tenantId) === tracked)
        this.#byTenant.delete(connection.tenantId);
    };
  }

  async close(): Promise<void> {
    this.#stopRecovery?.();
    await this.#unsubscribe?.();
  }

  #receive(event: BusEvent): void {
    const change = asAccessChange(event);
    if (!change) return;
    for (const connection of this.#byTenant.get(change.tenant_id) ?? []) {
      const { principal } = connection;
      if (principal.kind === 'operator' && principal.operator_id === change.operator_id)
        void this.#recheck(connection, change.reason);
    }
  }

  #recheckAll(): void {
    for (const connections of this.#byTenant.values())
      for (const connection of connections)
        if (connection.principal.kind === 'operator') void this.#recheck(connection, 'bus_recovered');
  }

  async #recheck(connection: RevocableConnection, reason: string): Promise<void> {
    const principal = connection.principal;
    if (principal.kind !== 'operator') return;
    let standing: OperatorStanding;
    try {
      standing = await operatorStanding(this.#options.store, connection.tenantId, principal);
    } catch (error) {
      // The database is down: the socket stays until the next announcement or its token expires.
      this.#options.log.warn(
        { err: error, operator_id: principal.operator_id },
        'socket access re-check failed',
      );
      return;
    }
    // The connection may have authenticated as someone else while the database answered.
    if (standing === 'valid' || connection.principal !== principal) return;
    this.#options.log.info(
      { operator_id: principal.operator_id, tenant_id: connection.tenantId, reason, standing },
      'operator socket closed: its access changed',
    );
    if (standing === 'revoked') connection.close(CLOSE_CODES.unauthorized, 'Session revoked');
    else connection.close(CLOSE_CODES.role_changed, 'Role changed; reconnect');
  }
}

function asAccessChange(event: BusEvent): AccessChange | undefined {
  const { tenant_id, operator_id, reason } = event;
  return typeof tenant_id === 'string' && typeof operator_id === 'string' && typeof reason === 'string'
    ? (event as unknown as AccessChange)
    : undefined;
}
