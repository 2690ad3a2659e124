import { isIP } from 'node:net';
import fc from 'fast-check';
import { cidrContains, classifyIp, isMetadataIp, parseCidr, parseIpLoose } from './ip';

describe('parseIpLoose', () => {
  test.each([
    ['127.0.0.1', '127.0.0.1', 4],
    ['2130706433', '127.0.0.1', 4],
    ['0x7f.1', '127.0.0.1', 4],
    ['0x7F000001', '127.0.0.1', 4],
    ['017700000001', '127.0.0.1', 4],
    ['0177.0.0.1', '127.0.0.1', 4],
    ['127.1', '127.0.0.1', 4],
    ['127.0.1', '127.0.0.1', 4],
    ['169.254.43518', '169.254.169.254', 4],
    ['0', '0.0.0.0', 4],
    ['127.0.0.1.', '127.0.0.1', 4],
    ['[::1]', '::1', 6],
    ['::ffff:127.0.0.1', '127.0.0.1', 4],
    ['[::ffff:7f00:1]', '127.0.0.1', 4],
    ['0:0:0:0:0:ffff:a9fe:a9fe', '169.254.169.254', 4],
    ['fe80::1%eth0', 'fe80::1', 6],
    ['FD00:EC2::254', 'fd00:ec2::254', 6],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6],
    ['::', '::', 6],
  ])('%s → %s', (host, ip, family) => {
    expect(parseIpLoose(host)).toEqual({ ip, family });
  });

  test.each([
    'localhost',
    '127.0.0.1.nip.io',
    '1.2.3.4.5',
    '256.1.1.1',
    '1..2',
    '0x',
    'x',
    '',
    '08',
    '1e3',
    ':::1',
    '1::2::3',
    'example.com',
    '999999999999',
  ])('%s is not an IP', (host) => {
    // "0x" alone is zero in WHATWG; everything else here is a name or invalid.
    if (host === '0x') expect(parseIpLoose(host)?.ip).toBe('0.0.0.0');
    else expect(parseIpLoose(host)).toBeUndefined();
  });

  test('agrees with node:net on canonical addresses', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        const p = parseIpLoose(ip);
        expect(p).toBeDefined();
        expect(isIP(p!.ip)).toBe(p!.family);
      }),
      { numRuns: 500 },
    );
  });

  test('WHATWG URL host parsing agrees on IPv4 spellings', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 255 }).map(String),
            fc.integer({ min: 0, max: 255 }).map((n) => `0x${n.toString(16)}`),
            fc.integer({ min: 1, max: 255 }).map((n) => `0${n.toString(8)}`),
          ),
          { minLength: 1, maxLength: 4 },
        ),
        (parts) => {
          const host = parts.join('.');
          let whatwg: string | undefined;
          try {
            whatwg = new URL(`http://${host}/`).hostname;
          } catch {
            whatwg = undefined;
          }
          const p = parseIpLoose(host);
          if (whatwg && isIP(whatwg) === 4) expect(p?.ip).toBe(whatwg);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('random strings never throw', () => {
    fc.assert(
      fc.property(fc.string(), (s) => void parseIpLoose(s)),
      { numRuns: 1000 },
    );
  });
});

describe('classifyIp', () => {
  test.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['::1', 'loopback'],
    ['2130706433', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link_local'],
    ['fe80::abcd', 'link_local'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['64:ff9b::a9fe:a9fe', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['fd00:ec2::254', 'private'],
    ['8.8.8.8', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['not-an-ip', 'reserved'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyIp(ip)).toBe(cls);
  });

  test('metadata endpoints', () => {
    expect(isMetadataIp('169.254.169.254')).toBe(true);
    expect(isMetadataIp('0xa9fea9fe')).toBe(true);
    expect(isMetadataIp('fd00:ec2::254')).toBe(true);
    expect(isMetadataIp('169.254.1.1')).toBe(false);
  });
});

describe('CIDR', () => {
  test('v4 and v6 membership', () => {
    const c = parseCidr('10.0.0.0/8')!;
    expect(cidrContains(c, parseIpLoose('10.9.8.7')!)).toBe(true);
    expect(cidrContains(c, parseIpLoose('11.0.0.1')!)).toBe(false);
    const c6 = parseCidr('2001:db8::/33')!;
    expect(cidrContains(c6, parseIpLoose('2001:db8:7fff::1')!)).toBe(true);
    expect(cidrContains(c6, parseIpLoose('2001:db8:8000::1')!)).toBe(false);
    expect(cidrContains(parseCidr('0.0.0.0/0')!, parseIpLoose('1.2.3.4')!)).toBe(true);
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0/x')).toBeUndefined();
  });
});
