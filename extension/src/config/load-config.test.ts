import { Writable } from 'node:stream';
import { createLogger } from '../log/logger';
import { loadConfig, redactedConfig } from './load-config';

function capture() {
  let text = '';
  const dest = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { read: () => text, log: createLogger('info', dest) };
}

describe('loadConfig', () => {
  it('turns an invalid value into one log line naming variable and accepted values, a finding and the default', () => {
    const { read, log } = capture();
    const r = loadConfig({ SENTINEL_RUNTIMEDONE_WAIT_MS: 'soon' }, log);
    expect(r.config.runtimeDoneWaitMs).toBe(500);
    expect(r.failInit).toBe(false);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ source: 'extension', category: 'configuration', kind: 'config_invalid' });
    const lines = read()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0].msg).toContain('SENTINEL_RUNTIMEDONE_WAIT_MS');
    expect(lines[0].msg).toContain('an integer from 0 to 10000');
    expect(read()).not.toContain('soon');
  });

  it('asks to fail the init only with SENTINEL_STRICT_CONFIG=true and an error', () => {
    expect(loadConfig({ SENTINEL_STRICT_CONFIG: 'true', SENTINEL_MODE: 'x' }).failInit).toBe(true);
    expect(loadConfig({ SENTINEL_STRICT_CONFIG: 'true' }).failInit).toBe(false);
  });

  it('never puts the Slack URL into the value it logs, nor into a config_invalid finding', () => {
    const url = 'https://hooks.slack.example/services/T000/B000/s3cr3t';
    const ok = loadConfig({ SENTINEL_SLACK_WEBHOOK_URL: url });
    expect(JSON.stringify(redactedConfig(ok.config))).not.toContain('s3cr3t');
    const { read, log } = capture();
    const bad = loadConfig({ SENTINEL_SLACK_WEBHOOK_URL: 'ftp://x/s3cr3t' }, log);
    expect(JSON.stringify(bad.findings)).not.toContain('s3cr3t');
    expect(read()).not.toContain('s3cr3t');
  });
});
