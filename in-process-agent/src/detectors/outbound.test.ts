import fc from 'fast-check';
import type { InputString } from '../input/extract';
import { matchesEgressAllow } from './egress-allow';
import { detectOutbound, hostOfLoose, inputControlsHost, type OutboundTarget } from './outbound';

const I = (...values: string[]): InputString[] => values.map((value, i) => ({ path: `$.body.v${i}`, value }));
const opts = { egressAllow: ['*.amazonaws.com', 'api.example.com', '203.0.113.0/24'], runtimeApi: '127.0.0.1:9001' };
const kinds = (vs: ReturnType<typeof detectOutbound>) => vs.map((v) => `${v.category}/${v.kind}/${v.severity}`);
const http = (host: string, extra: Partial<OutboundTarget> = {}): OutboundTarget => ({
  host,
  port: 80,
  protocol: 'http',
  ...extra,
});

describe('matchesEgressAllow', () => {
  test.each([
    ['s3.us-east-1.amazonaws.com', undefined, ['*.amazonaws.com'], true],
    ['a.b.amazonaws.com', undefined, ['*.amazonaws.com'], true],
    ['amazonaws.com', undefined, ['*.amazonaws.com'], false], // wildcard = subdomains only
    ['evilamazonaws.com', undefined, ['*.amazonaws.com'], false],
    ['amazonaws.com.evil.io', undefined, ['*.amazonaws.com'], false],
    ['API.Example.COM.', undefined, ['api.example.com'], true],
    ['x.example.com', undefined, ['api.example.com'], false],
    ['anything', '10.1.2.3', ['10.0.0.0/8'], true],
    ['10.1.2.3', undefined, ['10.0.0.0/8'], true],
    ['0x0a010203', undefined, ['10.0.0.0/8'], true],
    ['anything', '11.0.0.1', ['10.0.0.0/8'], false],
    ['v6', '2001:db8::5', ['2001:db8::/32'], true],
    ['v6', '::ffff:10.0.0.1', ['10.0.0.0/8'], true],
    ['x', undefined, ['*'], true],
    ['x', undefined, [], false],
    ['1.2.3.4', undefined, ['1.2.3.4'], true],
  ] as const)('%s (%s) vs %j → %s', (host, ip, allow, expected) => {
    expect(matchesEgressAllow(host, ip, allow)).toBe(expected);
  });
});

describe('SSRF', () => {
  test.each([
    [
      http('127.0.0.1', { port: 9001 }),
      'http://127.0.0.1:9001/2018-06-01/runtime/invocation/next',
      'ssrf/runtime_api/critical',
    ],
    [http('127.0.0.1', { port: 9001 }), 'http://2130706433:9001/', 'ssrf/runtime_api/critical'],
    [http('127.0.0.1', { port: 9001 }), 'http://0x7f.1:9001/', 'ssrf/runtime_api/critical'],
    [http('169.254.169.254'), 'http://169.254.169.254/latest/meta-data/', 'ssrf/metadata/critical'],
    [http('169.254.169.254'), 'http://[::ffff:a9fe:a9fe]/', 'ssrf/metadata/critical'],
    [http('169.254.170.2'), '169.254.170.2', 'ssrf/metadata/critical'],
    [http('10.0.0.5', { port: 8080 }), 'http://10.0.0.5:8080/admin', 'ssrf/internal_address/high'],
    [http('internal.corp', { ip: '10.0.0.5' }), 'http://internal.corp/', 'ssrf/internal_address/high'],
    [
      http('127.0.0.1.nip.io', { ip: '127.0.0.1', port: 8080 }),
      'http://127.0.0.1.nip.io:8080/',
      'ssrf/internal_address/high',
    ],
    [http('localhost', { port: 2772 }), 'http://localhost:2772/', 'ssrf/internal_address/high'],
    [http('100.64.1.1'), 'user@100.64.1.1', 'ssrf/internal_address/high'],
    [http('0.0.0.0', { port: 9001 }), 'http://0.0.0.0:9001/', 'ssrf/runtime_api/critical'],
    [http('fd00:ec2::254'), 'http://[fd00:ec2::254]/', 'ssrf/metadata/critical'],
  ] as const)('%j with input %s → %s', (target, input, expected) => {
    const vs = detectOutbound(target, I(input), opts);
    expect(kinds(vs)).toContain(expected);
    expect(vs.find((v) => v.category === 'ssrf')!.input!.path).toBe('$.body.v0');
  });

  test('not SSRF: input is only part of the name, public address, name not resolved yet, hard-coded internal host', () => {
    const none = (t: OutboundTarget, inputs: InputString[]) =>
      expect(detectOutbound(t, inputs, opts).filter((v) => v.category === 'ssrf')).toEqual([]);
    none(http('api.example.com', { ip: '10.0.0.7' }), I('api', 'example'));
    none(http('example.org', { ip: '93.184.216.34' }), I('http://example.org/'));
    none(http('127.0.0.1.nip.io'), I('http://127.0.0.1.nip.io/')); // unresolved name: judged when the ip is known
    none(http('10.0.0.5'), I('10.0.0.55', 'x10.0.0.5'));
    none(http('10.0.0.5'), []);
  });

  test('hostOfLoose and inputControlsHost', () => {
    expect(hostOfLoose('http://user:pw@0x7f.1:9001/x?y')).toBe('0x7f.1');
    expect(hostOfLoose('[::1]:80')).toBe('[::1]');
    expect(inputControlsHost('go to 10.0.0.5.', '10.0.0.5', undefined)).toBe(true);
    expect(inputControlsHost('10.0.0.5.evil', '10.0.0.5', undefined)).toBe(false);
  });
});

describe('behavioural outbound rules', () => {
  test('Runtime API access is an integrity verdict even without input', () => {
    expect(kinds(detectOutbound(http('127.0.0.1', { port: 9001 }), [], opts))).toEqual([
      'integrity/runtime_api_access/critical',
    ]);
    expect(kinds(detectOutbound(http('localhost', { port: 9001 }), [], opts))).toEqual([
      'integrity/runtime_api_access/critical',
    ]);
    expect(kinds(detectOutbound(http('127.0.0.1', { port: 9002 }), [], opts))).toEqual([]); // another local port
  });

  test('egress outside the allow-list', () => {
    expect(
      kinds(detectOutbound({ host: 'evil.example.net', ip: '198.51.100.7', port: 443, protocol: 'https' }, [], opts)),
    ).toEqual(['egress/not_allowed/medium']);
    expect(
      detectOutbound({ host: 'sqs.us-east-1.amazonaws.com', ip: '52.1.1.1', port: 443, protocol: 'https' }, [], opts),
    ).toEqual([]);
    expect(detectOutbound({ host: 'x.test', ip: '203.0.113.9', port: 443, protocol: 'https' }, [], opts)).toEqual([]);
    expect(kinds(detectOutbound({ host: 'evil.example.net', port: 53, protocol: 'dns' }, [], opts))).toEqual([
      'egress/dns_not_allowed/low',
    ]);
  });

  test('mining pools by port and by host', () => {
    const star = { egressAllow: ['*'] };
    expect(kinds(detectOutbound({ host: '198.51.100.7', port: 3333, protocol: 'tcp' }, [], star))).toEqual([
      'resource_abuse/mining_pool/high',
    ]);
    expect(kinds(detectOutbound({ host: 'pool.supportxmr.com', port: 443, protocol: 'tls' }, [], star))).toEqual([
      'resource_abuse/mining_pool/high',
    ]);
    expect(detectOutbound({ host: 'db.internal', ip: '10.0.0.1', port: 5432, protocol: 'tcp' }, [], star)).toEqual([]);
    expect(detectOutbound({ host: 'localhost', port: 4444, protocol: 'tcp' }, [], star)).toEqual([]);
  });

  test('DNS over HTTPS / TLS', () => {
    const star = { egressAllow: ['*'] };
    expect(
      kinds(
        detectOutbound(
          { host: 'dns.google', port: 443, protocol: 'https', url: 'https://dns.google/resolve?name=x' },
          [],
          star,
        ),
      ),
    ).toEqual(['egress/doh/medium']);
    expect(
      kinds(
        detectOutbound(
          { host: '1.1.1.1', port: 443, protocol: 'https', url: 'https://1.1.1.1/dns-query?dns=AAAB' },
          [],
          star,
        ),
      ),
    ).toEqual(['egress/doh/medium']);
    expect(
      kinds(
        detectOutbound(
          {
            host: 'doh.example.org',
            ip: '198.51.100.2',
            port: 443,
            protocol: 'https',
            url: 'https://doh.example.org/dns-query',
          },
          [],
          star,
        ),
      ),
    ).toEqual(['egress/doh/medium']);
    expect(kinds(detectOutbound({ host: '9.9.9.9', port: 853, protocol: 'tls' }, [], star))).toEqual([
      'egress/dot/medium',
    ]);
    expect(
      detectOutbound(
        { host: 'www.google.com', ip: '142.250.1.1', port: 443, protocol: 'https', url: 'https://www.google.com/' },
        [],
        star,
      ),
    ).toEqual([]);
  });

  test('verdicts are ordered by severity', () => {
    const vs = detectOutbound({ host: '10.0.0.9', port: 3333, protocol: 'tcp' }, I('10.0.0.9'), { egressAllow: [] });
    expect(kinds(vs)).toEqual([
      'ssrf/internal_address/high',
      'resource_abuse/mining_pool/high',
      'egress/not_allowed/medium',
    ]);
  });
});

test('property: random hosts and inputs never throw; an input that does not contain the host (or its IP) never yields SSRF', () => {
  const hostArb = fc.oneof(
    fc.ipV4(),
    fc.domain(),
    fc.string({ maxLength: 20 }),
    fc.constantFrom('localhost', '0x7f.1', '2130706433', '[::1]'),
  );
  fc.assert(
    fc.property(
      hostArb,
      fc.option(fc.ipV4(), { nil: undefined }),
      fc.string({ maxLength: 40 }),
      fc.integer({ min: 0, max: 70000 }),
      (host, ip, value, port) => {
        const vs = detectOutbound({ host, ip, port, protocol: 'http' }, [{ path: '$.x', value }], opts);
        const ssrf = vs.filter((v) => v.category === 'ssrf');
        const bareHost = host
          .toLowerCase()
          .replace(/^\[|\]$/g, '')
          .replace(/\.$/, '');
        // Without the host text, only another IP spelling (which needs digits or ':') can control the host.
        if (!value.toLowerCase().includes(bareHost) && !/[0-9:]/.test(value)) expect(ssrf).toEqual([]);
        for (const v of vs) expect(v.title).not.toContain('\n');
      },
    ),
    { numRuns: 1000 },
  );
});
