/**
 * The operator's exceptions to the outbound policy (`OUTBOUND_ALLOW`): host names, addresses and
 * CIDR ranges the server may call even though they are internal, e.g. an Ollama on the LAN or a
 * docker service name. Nothing is allowed by default.
 */
import ipaddr from 'ipaddr.js';
import { unbracket } from './address-class.ts';

/** Parsed allow-list entries. */
export interface AllowList {
  /** Host names, lower-case, without a trailing dot: any address they resolve to is allowed. */
  hosts: ReadonlySet<string>;
  /** Addresses and ranges: a connection to an address inside one is allowed, whatever the name. */
  ranges: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
}

/** An allow-list that allows nothing: the default. */
export const EMPTY_ALLOW_LIST: AllowList = { hosts: new Set(), ranges: [] };

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * Parses `OUTBOUND_ALLOW`: comma-separated host names, IP addresses and CIDR ranges.
 *
 * @throws {Error} naming the first entry that is none of the three.
 * @example
 * parseAllowList('ollama.lan, 10.0.0.0/8, ::1')
 */
export function parseAllowList(text: string | undefined): AllowList {
  const hosts = new Set<string>();
  const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  for (const raw of (text ?? '').split(',')) {
    const entry = unbracket(raw.trim().toLowerCase());
    if (!entry) continue;
    if (entry.includes('/')) {
      if (!ipaddr.isValidCIDR(entry)) throw new Error(`"${raw.trim()}" is not a valid CIDR range`);
      ranges.push(normalizeRange(ipaddr.parseCIDR(entry)));
    } else if (ipaddr.isValid(entry)) {
      const address = normalize(ipaddr.parse(entry));
      ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else {
      const host = entry.replace(/\.+$/, '');
      if (!HOST_NAME.test(host))
        throw new Error(`"${raw.trim()}" is not a host name, IP address or CIDR range`);
      hosts.add(host);
    }
  }
  return { hosts, ranges };
}

/** True when the address lies in one of the list's ranges (IPv4-mapped IPv6 counts as its IPv4). */
export function allowsAddress(list: AllowList, address: string): boolean {
  if (!list.ranges.length) return false;
  const parsed = normalize(ipaddr.parse(unbracket(address)));
  return list.ranges.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits));
}

/** True when the host name itself is listed. */
export function allowsHost(list: AllowList, hostname: string): boolean {
  return list.hosts.has(hostname.toLowerCase().replace(/\.+$/, ''));
}

/** Both lists' entries. */
export function mergeAllowLists(first: AllowList, second: AllowList): AllowList {
  return { hosts: new Set([...first.hosts, ...second.hosts]), ranges: [...first.ranges, ...second.ranges] };
}

function normalize(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

function normalizeRange([address, bits]: [ipaddr.IPv4 | ipaddr.IPv6, number]): [
  ipaddr.IPv4 | ipaddr.IPv6,
  number,
] {
  // ::ffff:10.0.0.0/104 is 10.0.0.0/8 written the IPv6 way.
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return [address, bits];
}
