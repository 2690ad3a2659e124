/**
 * Micro-benchmark cases for the detectors and the extractor: each `run` is one typical hooked call with inputs
 * prepared once, so a bench loop measures the per-call cost the protected function pays (usually the benign
 * path: inputs present, nothing found). Used by the bench suites; no I/O, nothing allocated until called.
 */
import { extractInputs, type InputString } from '../input/extract';
import { detectCode } from './code';
import { detectExec } from './exec';
import { detectOutbound } from './outbound';
import { detectPath } from './path';
import { detectSecretLeak } from './secrets';
import { detectShellCommand } from './shell';
import type { Roots } from './types';

export interface BenchCase {
  name: string;
  run: () => unknown;
}

/** A realistic API Gateway v2 event with a JSON body, headers, cookies and a JWT. */
export function sampleHttpEvent(): Record<string, unknown> {
  const jwt = [
    'eyJhbGciOiJIUzI1NiJ9',
    Buffer.from('{"sub":"user-123","scope":"read write"}').toString('base64url'),
    'sig',
  ].join('.');
  return {
    version: '2.0',
    rawPath: '/images/convert',
    rawQueryString: 'size=200x200&format=png',
    cookies: ['session=abc123def456', 'theme=dark'],
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Mozilla/5.0',
      authorization: `Bearer ${jwt}`,
      host: 'api.example.com',
    },
    requestContext: {
      http: { method: 'POST', path: '/images/convert', sourceIp: '198.51.100.10' },
      requestId: 'req-1',
    },
    body: JSON.stringify({ file: 'holiday photo.jpg', tags: ['beach', 'sun'], options: { quality: 85, strip: true } }),
    isBase64Encoded: false,
  };
}

export function detectorBenchCases(): BenchCase[] {
  const event = sampleHttpEvent();
  const inputs: InputString[] = extractInputs(event).inputs;
  const roots: Roots = { taskRoot: '/var/task', runtimeDir: '/var/runtime', layerRoot: '/opt', tmpDirs: ['/tmp'] };
  const dropped = new Set<string>();
  const allowExec = ['convert'];
  const egress = { egressAllow: ['*.amazonaws.com', 'api.example.com'], runtimeApi: '127.0.0.1:9001' };
  const secrets = [{ name: 'AWS_SECRET_ACCESS_KEY', value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }];
  const body = JSON.stringify({
    ok: true,
    items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item-${i}` })),
  });
  return [
    { name: 'extractInputs(API Gateway v2 event)', run: () => extractInputs(event) },
    {
      name: 'detectShellCommand(benign, quoted input)',
      run: () => detectShellCommand("convert 'holiday photo.jpg' -resize 200x200 out.png", inputs),
    },
    {
      name: 'detectShellCommand(injection)',
      run: () =>
        detectShellCommand('convert holiday photo.jpg; id', [...inputs, { path: '$.x', value: 'photo.jpg; id' }]),
    },
    {
      name: 'detectExec(allowed, benign)',
      run: () =>
        detectExec(
          '/usr/bin/convert',
          ['holiday photo.jpg', '-resize', '200x200', 'out.png'],
          inputs,
          allowExec,
          dropped,
          roots,
        ),
    },
    {
      name: 'detectPath(read under task root)',
      run: () => detectPath('read', '/var/task/templates/holiday photo.jpg', inputs, roots),
    },
    { name: 'detectPath(write in /tmp)', run: () => detectPath('write', '/tmp/out-123.png', inputs, roots) },
    {
      name: 'detectOutbound(allowed AWS endpoint)',
      run: () =>
        detectOutbound(
          { host: 's3.us-east-1.amazonaws.com', ip: '52.216.1.1', port: 443, protocol: 'https' },
          inputs,
          egress,
        ),
    },
    { name: 'detectCode(template without input)', run: () => detectCode('return a + b', inputs, 'Function') },
    { name: 'detectSecretLeak(2 KB body, no secret)', run: () => detectSecretLeak(body, secrets) },
  ];
}
