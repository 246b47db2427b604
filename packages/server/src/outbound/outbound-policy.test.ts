/**
 * The outbound policy as a unit: which hosts and addresses it lets through, including the encodings
 * attackers use to slip an internal address past a text check.
 */
import { describe, expect, it } from 'vitest';
import { classifyAddress } from './address-class.ts';
import { parseAllowList } from './allow-list.ts';
import { type HostResolver, OutboundPolicy, OutboundRefusedError } from './outbound-policy.ts';

/** A resolver that knows a few names and never touches the network. */
function fakeResolver(records: Record<string, string[]>): HostResolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const addresses = records[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses;
  };
  return Object.assign(resolve, { asked });
}

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.255', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['192.0.0.8', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    // Non-dotted forms of internal IPv4 addresses.
    ['2852039166', 'linkLocal'],
    ['0x7f.1', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['017700000001', 'loopback'],
    ['127.1', 'loopback'],
    // IPv6 and IPv4 embedded in IPv6.
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['[fd00:ec2::254]', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'linkLocal'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'linkLocal'],
    ['64:ff9b:1::1', 'rfc6052'],
    // ipaddr.js reads the deprecated IPv4-compatible form as IPv4-mapped; the URL parser writes it ::7f00:1.
    ['::127.0.0.1', 'loopback'],
    ['::7f00:1', 'reserved'],
    ['2002:7f00:1::1', '6to4'],
    ['2001::1', 'teredo'],
    ['2001:db8::1', 'reserved'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['100::1', 'discard'],
  ])('%s is %s, not public', (address, range) => {
    expect(classifyAddress(address)).toMatchObject({ range, public: false });
  });

  it.each([
    ['8.8.8.8', '8.8.8.8'],
    ['93.184.216.34', '93.184.216.34'],
    ['172.32.0.1', '172.32.0.1'],
    ['100.128.0.1', '100.128.0.1'],
    ['1249763844', '74.125.226.4'],
    ['2606:4700:4700::1111', '2606:4700:4700::1111'],
    ['::ffff:8.8.8.8', '::ffff:808:808'],
    ['64:ff9b::8.8.8.8', '64:ff9b::808:808'],
  ])('%s is public', (address, canonical) => {
    expect(classifyAddress(address)).toEqual({ address: canonical, range: 'public', public: true });
  });
});

describe('OutboundPolicy.checkUrl (no DNS)', () => {
  const policy = new OutboundPolicy({ resolve: fakeResolver({}) });

  it.each([
    'http://127.0.0.1:6379/',
    'http://localhost:11434/v1',
    'http://LOCALHOST./v1',
    'http://api.localhost/v1',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://metadata/',
    'http://printer.local/',
    'http://router.home.arpa/',
    // The URL parser turns these into dotted IPv4 before the policy sees them.
    'http://2852039166/',
    'http://0x7f.1/',
    'http://0177.0.0.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[::]/',
    'http://0.0.0.0:8000/',
    'http://[fe80::1]/',
    'http://100.64.0.1/',
    'http://224.0.0.1/',
  ])('refuses %s', (url) => {
    expect(() => policy.checkUrl(url)).toThrow(OutboundRefusedError);
  });

  it.each(['file:///etc/passwd', 'ftp://example.com/', 'gopher://example.com/', 'not a url'])(
    'refuses %s (not http or https)',
    (url) => {
      expect(() => policy.checkUrl(url)).toThrow(OutboundRefusedError);
    },
  );

  it('lets public names and addresses through', () => {
    for (const url of ['https://api.openai.com/v1', 'http://93.184.216.34/', 'https://[2606:4700::1]/']) {
      expect(policy.checkUrl(url).href).toBe(new URL(url).href);
    }
  });

  it('explains the refusal and how an operator allows it', () => {
    expect(() => policy.checkUrl('http://169.254.169.254/')).toThrow(
      /169\.254\.169\.254 is a link-local address.*OUTBOUND_ALLOW/,
    );
  });

  it('lets through what the operator allowed: host names, addresses, CIDR ranges', () => {
    const allowing = new OutboundPolicy({
      allow: parseAllowList('ollama, 127.0.0.1, 10.0.0.0/8, ::1, gpu.lan'),
      resolve: fakeResolver({}),
    });
    for (const url of [
      'http://ollama:11434/v1',
      'http://127.0.0.1:8080/',
      'http://10.20.30.40/',
      'http://[::1]/',
      'http://[::ffff:10.1.1.1]/',
      'http://gpu.lan/',
    ]) {
      expect(() => allowing.checkUrl(url)).not.toThrow();
    }
    expect(() => allowing.checkUrl('http://127.0.0.2/')).toThrow(OutboundRefusedError);
    expect(() => allowing.checkUrl('http://192.168.0.1/')).toThrow(OutboundRefusedError);
  });
});

describe('OutboundPolicy.resolve', () => {
  const resolver = fakeResolver({
    'public.example': ['93.184.216.34'],
    'rebind.example': ['127.0.0.1'],
    'mixed.example': ['93.184.216.34', '10.0.0.5'],
    'mapped.example': ['::ffff:127.0.0.1'],
    'metadata.example': ['fd00:ec2::254'],
    'allowed.example': ['192.168.1.20'],
  });
  const policy = new OutboundPolicy({ resolve: resolver, allow: parseAllowList('allowed.example') });

  it('returns the checked addresses to connect to', async () => {
    await expect(policy.resolve('public.example')).resolves.toEqual(['93.184.216.34']);
    await expect(policy.resolve('93.184.216.34')).resolves.toEqual(['93.184.216.34']);
  });

  it.each(['rebind.example', 'mixed.example', 'mapped.example', 'metadata.example'])(
    'refuses %s, a public-looking name with an internal address',
    async (name) => {
      await expect(policy.resolve(name)).rejects.toThrow(OutboundRefusedError);
    },
  );

  it('names the address a refused name resolved to', async () => {
    await expect(policy.resolve('rebind.example')).rejects.toThrow(
      'rebind.example resolves to 127.0.0.1, which is a loopback address',
    );
  });

  it('does not ask DNS about literals and internal names', async () => {
    resolver.asked.length = 0;
    await expect(policy.resolve('127.0.0.1')).rejects.toThrow(OutboundRefusedError);
    await expect(policy.resolve('localhost')).rejects.toThrow(OutboundRefusedError);
    expect(resolver.asked).toEqual([]);
  });

  it('trusts an allowed host name whatever it resolves to', async () => {
    await expect(policy.resolve('allowed.example')).resolves.toEqual(['192.168.1.20']);
  });

  it('passes a resolver failure on, so the caller reports it as a failed connection', async () => {
    await expect(policy.resolve('unknown.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('OutboundPolicy.assess (settings time)', () => {
  const policy = new OutboundPolicy({
    resolve: fakeResolver({ 'public.example': ['93.184.216.34'], 'rebind.example': ['10.0.0.1'] }),
  });

  it('refuses literals, internal names and names resolving to internal addresses', async () => {
    for (const url of [
      'http://127.0.0.1:1/v1',
      'http://metadata.google.internal/',
      'http://rebind.example/v1',
    ]) {
      await expect(policy.assess(url)).rejects.toThrow(OutboundRefusedError);
    }
  });

  it('accepts public names, and names DNS does not know (checked again on every connection)', async () => {
    await expect(policy.assess('https://public.example/v1')).resolves.toBeUndefined();
    await expect(policy.assess('https://unknown.example/v1')).resolves.toBeUndefined();
  });
});

describe('parseAllowList', () => {
  it('reads host names, addresses and ranges, ignoring blanks', () => {
    const list = parseAllowList(' Ollama.LAN. , 10.0.0.0/8,, [::1] ,::ffff:192.168.0.0/112 ');
    expect([...list.hosts]).toEqual(['ollama.lan']);
    expect(list.ranges.map(([address, bits]) => `${address.toString()}/${bits}`)).toEqual([
      '10.0.0.0/8',
      '::1/128',
      '192.168.0.0/16',
    ]);
  });

  it.each(['10.0.0.0/99', 'http://ollama', 'a b', '-bad-.example'])('rejects %s', (entry) => {
    expect(() => parseAllowList(entry)).toThrow(entry);
  });
});
