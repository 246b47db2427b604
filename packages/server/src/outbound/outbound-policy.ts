/**
 * The one outbound-request policy for every request the server makes on a tenant's behalf (the
 * tenant's LLM base URL, knowledge pages and sitemaps, later webhooks): http(s) only, and never to
 * an internal address — loopback, private, link-local (cloud metadata at 169.254.169.254),
 * unique-local, CGNAT, multicast, unspecified or otherwise reserved — unless the operator lists
 * it in `OUTBOUND_ALLOW`. OWASP's SSRF cheat sheet: validate the resolved address, not the text.
 *
 * The policy decides; `guarded-fetch.ts` enforces it at connection time, on the very address it
 * validated, so DNS rebinding between the check and the connection cannot switch it.
 */
import { lookup } from 'node:dns/promises';
import { classifyAddress, isIpLiteral, unbracket } from './address-class.ts';
import {
  type AllowList,
  allowsAddress,
  allowsHost,
  EMPTY_ALLOW_LIST,
  mergeAllowLists,
} from './allow-list.ts';

/** Resolves a host name to its addresses (all of them). Tests inject their own. */
export type HostResolver = (hostname: string) => Promise<string[]>;

/** The operating system's resolver (`getaddrinfo`, so `/etc/hosts` too), every address. */
export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/** Raised when the policy refuses a URL or an address; the message says which and why. */
export class OutboundRefusedError extends Error {
  override name = 'OutboundRefusedError';
}

/**
 * Names that only mean something inside a network: RFC 6761 `localhost`, mDNS `.local`, ICANN's
 * private-use `.internal` (`metadata.google.internal`), RFC 8375 `home.arpa`, and the suffixes
 * routers and companies use by habit. Refusing them by name gives a clear answer at settings time
 * even where the server itself cannot resolve them.
 */
const INTERNAL_SUFFIXES = [
  'localhost',
  'local',
  'internal',
  'localdomain',
  'home.arpa',
  'lan',
  'intranet',
  'corp',
];

/** How long a settings-time check waits for DNS before accepting the name (it is checked again on use). */
const ASSESS_TIMEOUT_MS = 3000;

const ALLOW_HINT = 'an operator can allow it with OUTBOUND_ALLOW';

export interface OutboundPolicyOptions {
  /** The operator's exceptions; none by default. */
  allow?: AllowList;
  /** Resolves host names; the system's resolver by default. */
  resolve?: HostResolver | undefined;
}

/**
 * @example
 * const policy = new OutboundPolicy({ allow: parseAllowList(process.env.OUTBOUND_ALLOW) });
 * await policy.assess('http://169.254.169.254/latest'); // throws OutboundRefusedError
 */
export class OutboundPolicy {
  readonly allow: AllowList;
  readonly #resolve: HostResolver;

  constructor(options: OutboundPolicyOptions = {}) {
    this.allow = options.allow ?? EMPTY_ALLOW_LIST;
    this.#resolve = options.resolve ?? systemResolver;
  }

  /** The same policy with more exceptions (e.g. the host of the platform's own `LLM_BASE_URL`). */
  allowing(more: AllowList): OutboundPolicy {
    return new OutboundPolicy({ allow: mergeAllowLists(this.allow, more), resolve: this.#resolve });
  }

  /**
   * What can be said without DNS: the scheme, an IP literal's range, an internal-only name.
   *
   * @throws {OutboundRefusedError}
   */
  checkUrl(input: string | URL): URL {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new OutboundRefusedError(`"${String(input).slice(0, 200)}" is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new OutboundRefusedError(`${url.protocol} URLs are not fetched; only http and https`);
    }
    this.checkHost(url.hostname);
    return url;
  }

  /**
   * The addresses to connect to for `hostname`: every address it resolves to must be allowed (a
   * name with one internal record among public ones is refused), and the caller connects only to
   * these, the addresses that were checked.
   *
   * @throws {OutboundRefusedError} when the name or one of its addresses is internal.
   * @throws the resolver's error (e.g. `ENOTFOUND`) when the name does not resolve.
   */
  async resolve(hostname: string): Promise<string[]> {
    const host = unbracket(hostname);
    this.checkHost(host);
    if (isIpLiteral(host)) return [classifyAddressOrThrow(host, host, this.allow)];
    const addresses = await this.#resolve(host);
    if (!addresses.length) throw new OutboundRefusedError(`${host} resolves to no address`);
    if (allowsHost(this.allow, host)) return addresses;
    return addresses.map((address) => classifyAddressOrThrow(host, address, this.allow));
  }

  /**
   * The settings-time check: {@link checkUrl}, then the name's addresses when DNS answers within a
   * few seconds. A name that does not resolve (yet) is accepted: it is checked again on every
   * connection, and refusing it would make a setting depend on a passing DNS outage.
   *
   * @throws {OutboundRefusedError}
   */
  async assess(input: string | URL): Promise<void> {
    const url = this.checkUrl(input);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ASSESS_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.resolve(url.hostname), timeout]);
    } catch (error) {
      if (error instanceof OutboundRefusedError) throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The checks that need no DNS: an IP literal's range, an internal-only name.
   *
   * @throws {OutboundRefusedError}
   */
  checkHost(hostname: string): void {
    const host = unbracket(hostname).toLowerCase().replace(/\.+$/, '');
    if (!host) throw new OutboundRefusedError('the URL has no host');
    if (allowsHost(this.allow, host)) return;
    if (isIpLiteral(host)) {
      classifyAddressOrThrow(host, host, this.allow);
      return;
    }
    const suffix = INTERNAL_SUFFIXES.find((name) => host === name || host.endsWith(`.${name}`));
    if (suffix) {
      throw new OutboundRefusedError(`${host} is an internal name (.${suffix}); ${ALLOW_HINT}`);
    }
    // `http://metadata/` or `http://ollama/` resolve through the server's search domains: internal.
    if (!host.includes('.')) {
      throw new OutboundRefusedError(`${host} is a single-label (internal) name; ${ALLOW_HINT}`);
    }
  }
}

/** The canonical address when it is public or allowed. */
function classifyAddressOrThrow(host: string, address: string, allow: AllowList): string {
  const result = classifyAddress(address);
  if (result.public || allowsAddress(allow, result.address)) return result.address;
  const where = unbracket(host) === address ? result.address : `${host} resolves to ${result.address}, which`;
  throw new OutboundRefusedError(
    `${where} is ${describeRange(result.range)}; the server does not call internal addresses (${ALLOW_HINT})`,
  );
}

const RANGE_NAMES: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address (cloud metadata lives there)',
  uniqueLocal: 'a unique-local address',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  unspecified: 'an unspecified address',
  scoped: 'a scoped (interface) address',
};

function describeRange(range: string): string {
  return RANGE_NAMES[range] ?? `a reserved address (${range})`;
}
