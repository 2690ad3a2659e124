import { isBlocking, parseConfig } from './config';

describe('configuration', () => {
  it('applies documented defaults', () => {
    const { config, errors } = parseConfig({});
    expect(errors).toEqual([]);
    expect(config.mode).toBe('monitor');
    expect(config.response).toBe('auto');
    expect(config.incidentTtlDays).toBe(90);
    expect(config.egressAllow).toContain('*.amazonaws.com');
  });

  it('names the variable and the accepted values on an invalid value and falls back to the default', () => {
    const { config, errors } = parseConfig({ SENTINEL_MODE: 'aggressive', SENTINEL_BLOCK: 'ssrf,nonsense' });
    expect(config.mode).toBe('monitor');
    expect(config.block).toEqual([]);
    expect(errors.map((e) => e.variable)).toEqual(['SENTINEL_MODE', 'SENTINEL_BLOCK']);
    expect(errors[0].accepted).toBe('monitor | block');
  });

  it('reports unknown SENTINEL_* names but not internal ones', () => {
    const { errors } = parseConfig({ SENTINEL_MOED: 'block', SENTINEL_HANDLER: 'index.handler' });
    expect(errors.map((e) => e.variable)).toEqual(['SENTINEL_MOED']);
  });

  it('resolves per-category blocking: allow beats block beats mode', () => {
    const { config } = parseConfig({ SENTINEL_MODE: 'block', SENTINEL_ALLOW: 'egress' });
    expect(isBlocking(config, 'egress')).toBe(false);
    expect(isBlocking(config, 'ssrf')).toBe(true);
    const m = parseConfig({ SENTINEL_BLOCK: 'command_injection' }).config;
    expect(isBlocking(m, 'command_injection')).toBe(true);
    expect(isBlocking(m, 'ssrf')).toBe(false);
  });
});
