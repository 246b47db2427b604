/**
 * A `fetch` that obeys an {@link OutboundPolicy} at connection time. Its undici agent resolves
 * each host itself, checks every address, and connects to exactly the address it checked (TLS
 * still verifies the certificate for the name), so a name cannot answer "public" to the check and
 * "127.0.0.1" to the connection (DNS rebinding). Every connection goes through that check, so a
 * redirect to an internal address is refused like a first request would be.
 */
import { isIPv6, type LookupFunction } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { OutboundPolicy, OutboundRefusedError } from './outbound-policy.ts';

export interface GuardedFetchOptions {
  /**
   * `follow` (default) follows redirects, each hop checked; `refuse` fails on any redirect, for
   * APIs (LLM providers) that never redirect and whose request bodies must not travel on.
   */
  redirects?: 'follow' | 'refuse';
  /** Longest wait for a TCP/TLS connection, in milliseconds; default 10 s. */
  connectTimeoutMs?: number;
}

/**
 * @example
 * const fetch = createGuardedFetch(new OutboundPolicy());
 * await fetch('http://127.0.0.1:6379/'); // rejects with OutboundRefusedError, nothing is sent
 */
export function createGuardedFetch(
  policy: OutboundPolicy = new OutboundPolicy(),
  options: GuardedFetchOptions = {},
): typeof fetch {
  // Names are resolved by `lookup` below, inside the connection: net connects to exactly the
  // addresses it returns (trying IPv6 and IPv4 in turn), and it returns only checked ones.
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    policy.resolve(hostname).then(
      (addresses) => {
        const entries = addresses.map((address) => ({ address, family: isIPv6(address) ? 6 : 4 }));
        if (lookupOptions.all) callback(null, entries);
        else callback(null, entries[0]?.address ?? '', entries[0]?.family ?? 4);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, ''),
    );
  };
  const connect = buildConnector({
    timeout: options.connectTimeoutMs ?? 10_000,
    lookup,
    autoSelectFamily: true,
  });
  const dispatcher = new Agent({
    connect: (connectOptions, callback) => {
      // An IP literal never reaches `lookup` (net connects to it directly): check it here.
      try {
        policy.checkHost(connectOptions.hostname);
      } catch (error) {
        callback(error as Error, null);
        return;
      }
      connect(connectOptions, callback);
    },
  });
  const redirect = options.redirects === 'refuse' ? 'manual' : 'follow';

  const guarded = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    // A Request object would carry a method and body this wrapper does not copy: callers pass URLs.
    if (input instanceof Request) throw new TypeError('guarded fetch takes a URL, not a Request');
    const url = policy.checkUrl(input);
    let response: Awaited<ReturnType<typeof undiciFetch>>;
    try {
      // undici's own fetch, so the dispatcher is of the same undici; the types differ only nominally.
      response = await undiciFetch(url, { ...(init as object), redirect, dispatcher });
    } catch (error) {
      // undici wraps connector errors in "fetch failed"; the refusal is the useful part.
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof OutboundRefusedError) throw cause;
      throw error;
    }
    if (redirect === 'manual' && response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new OutboundRefusedError(
        `${url.origin} answered ${response.status} (a redirect); redirects are not followed for this request`,
      );
    }
    return response as unknown as Response;
  };
  return guarded as typeof fetch;
}
