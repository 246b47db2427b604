/**
 * Which IP addresses the server may connect to on a tenant's behalf: public unicast only.
 *
 * The ranges come from `ipaddr.js` (the IANA special-purpose registries), not from a hand-kept
 * list. An address is public when its IPv4 range is `unicast`, or when it is an IPv6 address in
 * the global unicast block 2000::/3 that no special range claims. Addresses that carry an IPv4
 * address inside them (IPv4-mapped `::ffff:a.b.c.d`, the NAT64 prefix `64:ff9b::/96`) are judged by
 * the IPv4 address they reach, so `::ffff:127.0.0.1` is loopback and NAT64 networks still reach
 * public sites. Every other embedding (6to4, Teredo, IPv4-compatible `::a.b.c.d`) is refused.
 */
import ipaddr from 'ipaddr.js';

/** What an address is: `public` may be called; anything else names the reserved range it is in. */
export interface AddressClass {
  /** The address in canonical form (IPv4 dotted decimal; IPv6 per RFC 5952). */
  address: string;
  /** `public`, or the range: `loopback`, `private`, `linkLocal`, `uniqueLocal`, `carrierGradeNat`, … */
  range: string;
  /** True only for public unicast. */
  public: boolean;
}

/** Global unicast (RFC 4291 §2.4): everything else in IPv6 is special or unassigned. */
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');
/** The well-known NAT64 prefix (RFC 6052); the local-use 64:ff9b:1::/48 stays refused. */
const NAT64 = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/** True when `text` is an IP address literal in the forms a URL host or a resolver gives. */
export function isIpLiteral(text: string): boolean {
  return ipaddr.isValid(unbracket(text));
}

/**
 * Classifies an IP address literal.
 *
 * @throws {Error} when `text` is not an IP address.
 * @example
 * classifyAddress('8.8.8.8').public            // true
 * classifyAddress('::ffff:7f00:1').range       // 'loopback'
 * classifyAddress('169.254.169.254').range     // 'linkLocal'
 */
export function classifyAddress(text: string): AddressClass {
  const parsed = ipaddr.parse(unbracket(text));
  if (parsed.kind() === 'ipv4') return classifyIpv4(parsed as ipaddr.IPv4);
  const ipv6 = parsed as ipaddr.IPv6;
  const address = ipv6.toRFC5952String();
  // A scoped address (fe80::1%eth0) names an interface of this machine.
  if (ipv6.zoneId) return { address, range: 'scoped', public: false };
  if (ipv6.isIPv4MappedAddress()) return { ...classifyIpv4(ipv6.toIPv4Address()), address };
  if (ipv6.match(NAT64)) {
    const [high = 0, low = 0] = ipv6.parts.slice(6);
    const embedded = new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
    return { ...classifyIpv4(embedded), address };
  }
  const range = ipv6.range();
  if (range !== 'unicast') return { address, range, public: false };
  if (!ipv6.match(GLOBAL_UNICAST)) return { address, range: 'reserved', public: false };
  return { address, range: 'public', public: true };
}

function classifyIpv4(ipv4: ipaddr.IPv4): AddressClass {
  const range = ipv4.range();
  const address = ipv4.toString();
  return range === 'unicast' ? { address, range: 'public', public: true } : { address, range, public: false };
}

/** `[::1]` → `::1`: URL hosts bracket IPv6 literals, resolvers do not. */
export function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
