import { EXTENSION_DROPPED_VARS, extensionEnvironment, mapOptPaths, runtimeEnvironment } from './env';

const inputs = {
  functionName: 'fn',
  handler: '/opt/nodejs/wrapper.handler',
  codeDir: '/code',
  layerDir: '/layer',
  runtimeDir: '/rt',
  nodeBinary: '/nodes/22/bin/node',
  nodeMajor: 22,
  memoryMb: 256,
  region: 'eu-west-1',
  runtimeApi: '127.0.0.1:4000',
  tmpDir: '/tmp/env1',
  logFormat: 'Text' as const,
  runtime: 'builtin' as const,
  functionEnv: {
    NODE_OPTIONS: '--require /opt/a.cjs --import=/opt/b.mjs /optional',
    AWS_LAMBDA_EXEC_WRAPPER: '/opt/wrapper',
    AWS_REGION: 'customer-cannot-override',
    _PRIVATE: 'x',
  },
  awsEnv: { AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:1' },
};

describe('mapOptPaths', () => {
  test('maps /opt/ at the start of tokens only', () => {
    expect(mapOptPaths('/opt/x --r=/opt/y /optx a/opt/z', '/L')).toBe('/L/x --r=/L/y /optx a/opt/z');
    expect(mapOptPaths('/opt/x', undefined)).toBe('/opt/x');
  });
});

describe('runtimeEnvironment', () => {
  const env = runtimeEnvironment(inputs, '2024/01/01/[$LATEST]abc');
  test('platform variables win over customer ones; /opt/ mapped in the documented variables', () => {
    expect(env.AWS_REGION).toBe('eu-west-1');
    expect(env._HANDLER).toBe('/layer/nodejs/wrapper.handler');
    expect(env.NODE_OPTIONS).toBe('--require /layer/a.cjs --import=/layer/b.mjs /optional');
    expect(env.AWS_LAMBDA_EXEC_WRAPPER).toBe('/layer/wrapper');
    expect(env.PATH.split(':')[0]).toBe('/nodes/22/bin');
    expect(env.PATH.endsWith(':/layer/bin')).toBe(true);
    expect(env).toMatchObject({
      LAMBDA_TASK_ROOT: '/code',
      TMPDIR: '/tmp/env1',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_RUNTIME_API: '127.0.0.1:4000',
      AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:1',
      SANDBOX_OPT_DIR: '/layer',
      _PRIVATE: 'x',
    });
    expect(env.AWS_LAMBDA_LOG_FORMAT).toBeUndefined();
    expect(env.SANDBOX_RUNTIME).toBeUndefined();
  });
  test('JSON log format and the ric runtime are announced', () => {
    const e = runtimeEnvironment({ ...inputs, logFormat: 'JSON', runtime: 'ric' }, 's');
    expect(e.AWS_LAMBDA_LOG_FORMAT).toBe('JSON');
    expect(e.SANDBOX_RUNTIME).toBe('ric');
  });
  test('extensions get the reduced set', () => {
    const ext = extensionEnvironment(runtimeEnvironment({ ...inputs, runtime: 'ric' }, 's'));
    for (const k of EXTENSION_DROPPED_VARS) expect(ext[k]).toBeUndefined();
    expect(Object.keys(ext).some((k) => k.startsWith('_'))).toBe(false);
    expect(ext).toMatchObject({
      NODE_OPTIONS: env.NODE_OPTIONS,
      AWS_LAMBDA_EXEC_WRAPPER: '/layer/wrapper',
      AWS_REGION: 'eu-west-1',
    });
  });
});
