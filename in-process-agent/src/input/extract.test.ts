import fc from 'fast-check';
import { DEFAULT_EXTRACT_LIMITS, extractInputs, type InputString, inputsForEvent, percentDecode } from './extract';

const valueAt = (inputs: InputString[], path: string) => inputs.find((i) => i.path === path)?.value;
const values = (inputs: InputString[]) => inputs.map((i) => i.value);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (s: string) => Buffer.from(s).toString('base64url');

describe('extractInputs: HTTP triggers', () => {
  test('API Gateway v1 (REST): headers, multi-value headers, query, path params, JSON body', () => {
    const event = {
      resource: '/items/{id}',
      path: '/items/..%2Fetc',
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Foo': 'bar; id', Cookie: 'session=abc123; theme=dark%20mode' },
      multiValueHeaders: { 'X-Multi': ['one', 'two'] },
      queryStringParameters: { q: 'a b', file: '../../x' },
      multiValueQueryStringParameters: { tag: ['t1', 't2'] },
      pathParameters: { id: '42;ls' },
      requestContext: { requestId: 'r1', identity: { sourceIp: '1.2.3.4' } },
      body: '{"cmd":"ls; id","nested":{"deep":["x","$(whoami)"]}}',
      isBase64Encoded: false,
    };
    const { inputs, capsHit } = extractInputs(event);
    expect(capsHit).toEqual({ strings: 0, depth: 0, bytes: 0 });
    expect(valueAt(inputs, '$.headers.X-Foo')).toBe('bar; id');
    expect(valueAt(inputs, '$.multiValueHeaders.X-Multi[1]')).toBe('two');
    expect(valueAt(inputs, '$.queryStringParameters.file')).toBe('../../x');
    expect(valueAt(inputs, '$.multiValueQueryStringParameters.tag[0]')).toBe('t1');
    expect(valueAt(inputs, '$.pathParameters.id')).toBe('42;ls');
    expect(valueAt(inputs, '$.path<url>')).toBe('/items/../etc');
    expect(valueAt(inputs, '$.body<json>.cmd')).toBe('ls; id');
    expect(valueAt(inputs, '$.body<json>.nested.deep[1]')).toBe('$(whoami)');
    expect(valueAt(inputs, '$.headers.Cookie<cookie>.session')).toBe('abc123');
    expect(valueAt(inputs, '$.headers.Cookie<cookie>.theme<url>')).toBe('dark mode');
    // keys are inputs
    expect(valueAt(inputs, '$.headers.X-Foo<key>')).toBe('X-Foo');
    expect(valueAt(inputs, '$.body<json>.cmd<key>')).toBe('cmd');
  });

  test('API Gateway v2 / Function URL: rawQueryString, cookies array, base64 form body', () => {
    const event = {
      version: '2.0',
      rawPath: '/run',
      rawQueryString: 'cmd=cat+%2Fetc%2Fpasswd&flag&x=%252e%252e%252f',
      cookies: ['sid=s%3Aabc', 'pref=1'],
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'Bearer ' + ['eyJhbGciOiJIUzI1NiJ9', b64url('{"sub":"1;reboot","kid":"../../dev/null"}'), 'sig'].join('.'),
      },
      requestContext: { http: { method: 'POST', path: '/run' } },
      body: b64('name=a%26b&file=..%2F..%2Fproc%2Fself%2Fenviron'),
      isBase64Encoded: true,
    };
    const { inputs } = extractInputs(event);
    expect(valueAt(inputs, '$.rawQueryString<form>.cmd')).toBe('cat /etc/passwd');
    expect(valueAt(inputs, '$.rawQueryString<form>.flag<key>')).toBe('flag');
    // double-encoded value: one more URL round after the form decoding
    expect(valueAt(inputs, '$.rawQueryString<form>.x')).toBe('%2e%2e%2f');
    expect(valueAt(inputs, '$.rawQueryString<form>.x<url>')).toBe('../');
    expect(valueAt(inputs, '$.cookies[0]<cookie>.sid')).toBe('s%3Aabc');
    expect(valueAt(inputs, '$.cookies[0]<cookie>.sid<url>')).toBe('s:abc');
    expect(valueAt(inputs, '$.body<base64><form>.name')).toBe('a&b');
    expect(valueAt(inputs, '$.body<base64><form>.file')).toBe('../../proc/self/environ');
    expect(valueAt(inputs, '$.headers.authorization<jwt>.sub')).toBe('1;reboot');
    expect(valueAt(inputs, '$.headers.authorization<jwt>.kid')).toBe('../../dev/null');
    expect(valueAt(inputs, '$.headers.authorization<jwt-header>.alg')).toBe('HS256');
  });

  test('ALB with multiValueHeaders cookie and plain-text base64 body', () => {
    const event = {
      requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:...' } },
      httpMethod: 'GET',
      path: '/x',
      multiValueHeaders: { cookie: ['a=1; b=$(id)'], 'content-type': ['text/plain'] },
      body: b64('plain text; rm -rf /'),
      isBase64Encoded: true,
    };
    const { inputs } = extractInputs(event);
    expect(valueAt(inputs, '$.multiValueHeaders.cookie[0]<cookie>.b')).toBe('$(id)');
    expect(valueAt(inputs, '$.body<base64>')).toBe('plain text; rm -rf /');
  });
});

describe('extractInputs: event-source triggers', () => {
  test('SQS body (JSON in string, SNS envelope inside) and message attributes', () => {
    const sns = { Type: 'Notification', Message: JSON.stringify({ file: '../../etc/shadow' }) };
    const event = {
      Records: [
        {
          eventSource: 'aws:sqs',
          body: JSON.stringify(sns),
          messageAttributes: { Cmd: { stringValue: 'touch /tmp/x', dataType: 'String' } },
        },
      ],
    };
    const { inputs } = extractInputs(event);
    expect(valueAt(inputs, '$.Records[0].body<json>.Message<json>.file')).toBe('../../etc/shadow');
    expect(valueAt(inputs, '$.Records[0].messageAttributes.Cmd.stringValue')).toBe('touch /tmp/x');
  });

  test('SNS Message, Subject and MessageAttributes', () => {
    const event = {
      Records: [
        {
          EventSource: 'aws:sns',
          Sns: {
            Subject: 'hi`id`',
            Message: '{"url":"http://169.254.169.254/"}',
            MessageAttributes: { a: { Type: 'String', Value: 'v;x' } },
          },
        },
      ],
    };
    const { inputs } = extractInputs(event);
    expect(valueAt(inputs, '$.Records[0].Sns.Message<json>.url')).toBe('http://169.254.169.254/');
    expect(valueAt(inputs, '$.Records[0].Sns.Subject')).toBe('hi`id`');
    expect(valueAt(inputs, '$.Records[0].Sns.MessageAttributes.a.Value')).toBe('v;x');
  });

  test('EventBridge detail', () => {
    const { inputs } = extractInputs({
      'detail-type': 'x',
      source: 'app',
      detail: { path: '/etc/passwd', list: [{ k: 'v' }] },
    });
    expect(valueAt(inputs, '$.detail.path')).toBe('/etc/passwd');
    expect(valueAt(inputs, '$.detail.list[0].k')).toBe('v');
    expect(valueAt(inputs, '$.detail-type<key>')).toBe('detail-type');
  });

  test('S3: object key URL-decoded with + as space, bucket name, metadata', () => {
    const event = {
      Records: [
        {
          eventSource: 'aws:s3',
          s3: {
            bucket: { name: 'uploads' },
            object: { key: 'images/a+b%3B%20%24%28id%29.png', size: 1, metadata: { owner: 'x;y' } },
          },
        },
      ],
    };
    const { inputs } = extractInputs(event);
    expect(valueAt(inputs, '$.Records[0].s3.object.key<url>')).toBe('images/a b; $(id).png');
    expect(valueAt(inputs, '$.Records[0].s3.bucket.name')).toBe('uploads');
    expect(valueAt(inputs, '$.Records[0].s3.object.metadata.owner')).toBe('x;y');
  });

  test('DynamoDB stream images (typed values)', () => {
    const event = {
      Records: [
        {
          eventSource: 'aws:dynamodb',
          dynamodb: {
            NewImage: {
              cmd: { S: 'echo hi; id' },
              n: { N: '12' },
              tags: { SS: ['a|b', 'c'] },
              m: { M: { inner: { S: '../x' } } },
              l: { L: [{ S: 'l0' }] },
            },
            OldImage: { cmd: { S: 'old' } },
          },
        },
      ],
    };
    const { inputs } = extractInputs(event);
    expect(valueAt(inputs, '$.Records[0].dynamodb.NewImage.cmd.S')).toBe('echo hi; id');
    expect(valueAt(inputs, '$.Records[0].dynamodb.NewImage.tags.SS[0]')).toBe('a|b');
    expect(valueAt(inputs, '$.Records[0].dynamodb.NewImage.m.M.inner.S')).toBe('../x');
    expect(valueAt(inputs, '$.Records[0].dynamodb.NewImage.l.L[0].S')).toBe('l0');
    expect(valueAt(inputs, '$.Records[0].dynamodb.OldImage.cmd.S')).toBe('old');
    expect(valueAt(inputs, '$.Records[0].dynamodb.NewImage.n.N')).toBe('12');
  });

  test('Kinesis data: base64 → JSON or text; binary data is skipped', () => {
    const event = {
      Records: [
        { kinesis: { data: b64('{"host":"127.0.0.1"}') } },
        { kinesis: { data: b64('just text | nc') } },
        { kinesis: { data: Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]).toString('base64') } },
      ],
    };
    const { inputs } = extractInputs(event);
    expect(valueAt(inputs, '$.Records[0].kinesis.data<base64><json>.host')).toBe('127.0.0.1');
    expect(valueAt(inputs, '$.Records[1].kinesis.data<base64>')).toBe('just text | nc');
    expect(inputs.filter((i) => i.path.startsWith('$.Records[2]') && i.path.includes('<base64>'))).toEqual([]);
  });

  test('CloudWatch Logs subscription: base64 gzip JSON; a gzip bomb is cut at maxStringBytes', () => {
    const zlib = require('node:zlib') as typeof import('node:zlib');
    const doc = { logEvents: [{ id: '1', message: 'GET /?q=$(id)' }] };
    const data = zlib.gzipSync(JSON.stringify(doc)).toString('base64');
    const { inputs } = extractInputs({ awslogs: { data } });
    expect(valueAt(inputs, '$.awslogs.data<gzip><json>.logEvents[0].message')).toBe('GET /?q=$(id)');
    const bomb = zlib.gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x61)).toString('base64');
    const r = extractInputs({ awslogs: { data: bomb } }, { maxStringBytes: 1024 * 1024 });
    expect(r.inputs.some((i) => i.path.includes('<gzip>'))).toBe(false);
  });

  test('Basic authorization: user name and password are inputs', () => {
    const { inputs } = extractInputs({ headers: { Authorization: `Basic ${b64('admin;id:pa$$(w)')}` } });
    expect(valueAt(inputs, '$.headers.Authorization<basic>["admin;id"]<key>')).toBe('admin;id');
    expect(valueAt(inputs, '$.headers.Authorization<basic>["admin;id"]')).toBe('pa$$(w)');
  });

  test('direct invoke: any shape, strings, arrays, base64 JSON found heuristically', () => {
    expect(values(extractInputs('just a string').inputs)).toEqual(['just a string']);
    expect(extractInputs(42).inputs).toEqual([]);
    expect(extractInputs(null).inputs).toEqual([]);
    const { inputs } = extractInputs({ blob: b64('{"evil":"; id"}'), other: b64('not json at all, just words') });
    expect(valueAt(inputs, '$.blob<base64><json>.evil')).toBe('; id');
    expect(inputs.some((i) => i.path === '$.other<base64>')).toBe(false); // base64 only where it decodes to JSON
  });

  test('keys with odd characters get a bracketed path; __proto__ keys from JSON are inputs', () => {
    const ev = JSON.parse('{"a.b":{"__proto__":{"polluted":"yes"}}}');
    const { inputs } = extractInputs(ev);
    expect(valueAt(inputs, '$["a.b"].__proto__<key>')).toBe('__proto__');
    expect(valueAt(inputs, '$["a.b"].__proto__.polluted')).toBe('yes');
  });
});

describe('extractInputs: caps and hostile shapes', () => {
  test('deep nesting is cut at maxDepth and counted', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 5000; i++) deep = [deep];
    const r = extractInputs({ deep });
    expect(r.capsHit.depth).toBeGreaterThan(0);
    expect(r.inputs.some((i) => i.value === 'bottom')).toBe(false);
  });

  test('deep JSON inside a string is bounded too', () => {
    const s = '['.repeat(100000) + ']'.repeat(100000);
    const r = extractInputs({ body: s });
    expect(r.capsHit.depth).toBeGreaterThan(0);
  });

  test('cycles and shared subtrees are visited once', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    const shared = { v: 'shared' };
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) wide[`k${i}`] = [shared, shared, a];
    const r = extractInputs(wide);
    expect(r.inputs.filter((i) => i.value === 'shared')).toHaveLength(1);
  });

  test('maxStrings caps and counts; a huge array is not fully walked', () => {
    const big = Array.from({ length: 200000 }, (_, i) => `s${i}`);
    const r = extractInputs({ big }, { maxStrings: 100 });
    expect(r.inputs.length).toBe(100);
    expect(r.capsHit.strings).toBeGreaterThan(0);
  });

  test('maxTotalBytes caps and counts; maxStringBytes stops decoding of long strings', () => {
    const r = extractInputs({ a: 'x '.repeat(500), b: 'y '.repeat(500) }, { maxTotalBytes: 1500 });
    expect(values(r.inputs)).toContain('x '.repeat(500));
    expect(values(r.inputs)).not.toContain('y '.repeat(500));
    expect(r.capsHit.bytes).toBe(1);
    const long = JSON.stringify({ cmd: '; id', pad: 'p'.repeat(2000) });
    const r2 = extractInputs({ body: long }, { maxStringBytes: 1000 });
    expect(values(r2.inputs)).toContain(long);
    expect(values(r2.inputs)).not.toContain('; id');
    expect(r2.capsHit.bytes).toBe(1);
  });

  test('URL decoding stops after maxDecodeRounds', () => {
    let s = '; id';
    for (let i = 0; i < 6; i++) s = encodeURIComponent(s);
    const r = extractInputs({ q: s });
    expect(values(r.inputs)).not.toContain('; id');
    const r2 = extractInputs({ q: s }, { maxDecodeRounds: 6 });
    expect(values(r2.inputs)).toContain('; id');
  });

  test('a 6 MiB event with a JSON body is handled, decoded and bounded', () => {
    const items = Array.from({ length: 50000 }, (_, i) => ({
      id: `item-${i}`,
      text: 'lorem ipsum dolor sit amet '.repeat(3),
    }));
    const body = JSON.stringify({ cmd: 'rm -rf /', items });
    expect(body.length).toBeGreaterThan(5 * 1024 * 1024);
    const t0 = process.hrtime.bigint();
    const r = extractInputs({ body });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(valueAt(r.inputs, '$.body<json>.cmd')).toBe('rm -rf /');
    expect(r.inputs.length).toBeLessThanOrEqual(DEFAULT_EXTRACT_LIMITS.maxStrings);
    expect(r.capsHit.strings).toBeGreaterThan(0);
    expect(ms).toBeLessThan(5000); // generous: bounded, not a performance assertion
  });

  test('invalid UTF-16, invalid percent escapes and binary never throw', () => {
    const r = extractInputs({
      a: '\ud800x%zz%E0%A4%A',
      b: b64('\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007'),
      c: '%',
    });
    expect(values(r.inputs)).toContain('\ud800x%zz%E0%A4%A');
    expect(percentDecode('%E0%A4%A', false)).toContain('\ufffd');
    expect(percentDecode('a+b%20c', true)).toBe('a b c');
  });

  test('throwing getters and revoked proxies do not escape', () => {
    const o = { ok: 'yes' };
    Object.defineProperty(o, 'bad', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const r = extractInputs({ o, proxy });
    expect(values(r.inputs)).toContain('yes');
  });

  test('inputsForEvent memoises per event object', () => {
    const ev = { a: 'b' };
    expect(inputsForEvent(ev)).toBe(inputsForEvent(ev));
    expect(inputsForEvent('str').inputs[0].value).toBe('str');
  });
});

describe('extractInputs: properties', () => {
  test('never throws, respects caps, every recorded string is a string with a $-path', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 1, max: 50 }), (ev, maxStrings) => {
        const r = extractInputs(ev, { maxStrings });
        expect(r.inputs.length).toBeLessThanOrEqual(maxStrings);
        for (const i of r.inputs) {
          expect(typeof i.value).toBe('string');
          expect(i.path.startsWith('$')).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('every string leaf of a JSON event is an input (when no cap is hit)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (ev) => {
        const r = extractInputs(ev);
        fc.pre(r.capsHit.strings === 0 && r.capsHit.depth === 0 && r.capsHit.bytes === 0);
        const got = new Set(values(r.inputs));
        const walk = (v: unknown): void => {
          if (typeof v === 'string') expect(got.has(v)).toBe(true);
          else if (Array.isArray(v)) v.forEach(walk);
          else if (v && typeof v === 'object')
            for (const [k, x] of Object.entries(v)) {
              expect(got.has(k)).toBe(true);
              walk(x);
            }
        };
        walk(ev);
      }),
      { numRuns: 300 },
    );
  });

  test('strings inside JSON-in-string bodies are inputs', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.string()), (obj) => {
        const r = extractInputs({ Records: [{ body: JSON.stringify(obj) }] });
        const got = new Set(values(r.inputs));
        for (const v of Object.values(obj)) expect(got.has(v)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
