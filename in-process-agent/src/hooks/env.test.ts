/**
 * Secret values are re-read per invocation only when a secret variable was assigned or deleted through the
 * hooked `process.env` (each read of the raw environment is a getenv call). The hook replaces this test file's
 * `process.env`; it is put back afterwards.
 */
import { parseConfig } from '../../../protocol/config';
import { Agent } from '../core/agent';
import { installEnvHook } from './env';

const roots = { taskRoot: '/var/task', runtimeDir: '/var/runtime', layerRoot: '/opt', tmpDirs: ['/tmp'] };
const values = (a: Agent) => a.secrets.map((s) => `${s.name}=${s.value}`);

describe('secret values follow process.env writes', () => {
  const saved = process.env;
  afterEach(() => {
    process.env = saved;
  });

  it('without the env hook, every invocation re-reads the environment', () => {
    const env: NodeJS.ProcessEnv = { AWS_SECRET_ACCESS_KEY: 'first-secret-value' };
    const agent = new Agent(parseConfig({}).config, roots, env);
    env.AWS_SECRET_ACCESS_KEY = 'second-secret-value';
    agent.refreshSecretsIfStale();
    expect(values(agent)).toEqual(['AWS_SECRET_ACCESS_KEY=second-secret-value']);
  });

  it('with the hook: re-read after a write or delete of a secret variable, not otherwise', () => {
    const raw: NodeJS.ProcessEnv = { AWS_SECRET_ACCESS_KEY: 'first-secret-value', MY_TOKEN: 'token-value-1' };
    process.env = raw;
    const env = { SENTINEL_SECRET_VARS: 'MY_TOKEN' };
    const agent = new Agent(parseConfig(env).config, roots, raw);
    installEnvHook(agent);
    agent.refreshSecretsIfStale(); // the first invocation always reads
    expect(values(agent)).toEqual(['AWS_SECRET_ACCESS_KEY=first-secret-value', 'MY_TOKEN=token-value-1']);
    process.env.OTHER = 'x'; // not a secret variable: nothing to re-read
    agent.refreshSecretsIfStale();
    expect(agent.secretsStale).toBe(false);
    process.env.MY_TOKEN = 'token-value-2';
    agent.refreshSecretsIfStale();
    expect(values(agent)).toEqual(['AWS_SECRET_ACCESS_KEY=first-secret-value', 'MY_TOKEN=token-value-2']);
    delete process.env.AWS_SECRET_ACCESS_KEY;
    expect(raw.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    agent.refreshSecretsIfStale();
    expect(values(agent)).toEqual(['MY_TOKEN=token-value-2']);
  });
});
