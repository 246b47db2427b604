/**
 * Who may open a WebSocket: at most so many open connections per client IP and per tenant on
 * this instance, and so many handshakes per IP per minute on all instances together (the shared
 * rate-limit counters, in Redis when configured).
 *
 * The open-connection caps are per instance on purpose: a count shared in Redis would have to be
 * given back by an instance that crashed, and a wrong count there would lock clients out; per
 * instance, a crash frees its slots with it. Behind N instances the caps are N times as large,
 * and the handshake rate (shared) still bounds how fast anyone gets there.
 */
import { CLOSE_CODES } from '@miptech/protocol';
import type { RateLimits } from '../config.ts';
import type { SocketCounters } from '../http/rate-limits.ts';

/** Seconds a client refused for too many open connections is told to wait: slots free up as others leave. */
export const CONNECTION_RETRY_SECONDS = 10;

/** Why a handshake is refused, as the client is told (an `error` frame, then the close). */
export interface LimitRefusal {
  closeCode: number;
  code: 'rate_limited' | 'too_many_connections';
  detail: string;
  /** Whole seconds to wait. */
  retry_after: number;
}

/** A handshake's place in the counts: give it back when the socket closes, whatever happened. */
export interface Admission {
  /** Undefined when the socket may proceed. */
  readonly verdict: Promise<LimitRefusal | undefined>;
  /** Frees the slots this socket holds; later calls do nothing. */
  release(): void;
}

/** Open connections per key, on this instance. */
class OpenCounts {
  readonly #counts = new Map<string, number>();

  /** Takes a slot under `key` unless `max` are taken; true when it did. */
  take(key: string, max: number): boolean {
    const count = this.#counts.get(key) ?? 0;
    if (count >= max) return false;
    this.#counts.set(key, count + 1);
    return true;
  }

  give(key: string): void {
    const count = (this.#counts.get(key) ?? 1) - 1;
    if (count <= 0) this.#counts.delete(key);
    else this.#counts.set(key, count);
  }

  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
}

/**
 * The gateway's admission control.
 *
 * @example
 * const admission = limits.admit(request.ip, 'acme');
 * socket.on('close', admission.release);
 * const refusal = await admission.verdict; // undefined: go on with the handshake
 */
export class SocketLimits {
  readonly #limits: RateLimits;
  readonly #counters: SocketCounters;
  readonly #perIp = new OpenCounts();
  readonly #perTenant = new OpenCounts();

  constructor(limits: RateLimits, counters: SocketCounters) {
    this.#limits = limits;
    this.#counters = counters;
  }

  /**
   * Counts a handshake from `ip` for the tenant it names (undefined when it names none that
   * parses: the handshake is refused for that anyway). The slots are taken at once, before any
   * await, so a burst of handshakes cannot all pass the check while each waits for Redis.
   */
  admit(ip: string, tenantId: string | undefined): Admission {
    const rate = this.#counters.handshake(ip);
    const held: Array<[OpenCounts, string]> = [];
    let refusal: LimitRefusal | undefined;
    if (!this.#perIp.take(ip, this.#limits.socketsPerIp)) {
      refusal = tooMany(`Too many open connections from this address (at most ${this.#limits.socketsPerIp})`);
    } else {
      held.push([this.#perIp, ip]);
      if (tenantId !== undefined) {
        if (this.#perTenant.take(tenantId, this.#limits.socketsPerTenant))
          held.push([this.#perTenant, tenantId]);
        else refusal = tooMany('Too many open connections for this tenant; retry later');
      }
    }
    const release = () => {
      for (const [counts, key] of held.splice(0)) counts.give(key);
    };
    if (refusal) release();
    const verdict = (async () => {
      const retryAfter = await rate;
      if (refusal) return refusal;
      if (retryAfter === undefined) return undefined;
      release();
      return {
        closeCode: CLOSE_CODES.rate_limited,
        code: 'rate_limited',
        detail: `Too many connections opened from this address; retry in ${retryAfter} s`,
        retry_after: retryAfter,
      } satisfies LimitRefusal;
    })();
    return { verdict, release };
  }

  /** Open connections from `ip` on this instance (for tests and metrics). */
  openFrom(ip: string): number {
    return this.#perIp.count(ip);
  }
}

function tooMany(detail: string): LimitRefusal {
  return {
    closeCode: CLOSE_CODES.try_again_later,
    code: 'too_many_connections',
    detail,
    retry_after: CONNECTION_RETRY_SECONDS,
  };
}
