/**
 * Reads every SENTINEL_* variable through the shared spec (protocol/config.ts). An invalid value becomes one clear
 * log line (variable + accepted values, never the value itself: it may be a secret) and a `configuration`
 * finding `config_invalid`; the documented safe default applies. With SENTINEL_STRICT_CONFIG=true the caller
 * fails the init instead (see lifecycle: init/error `Extension.ConfigInvalid`).
 */
import type { Logger } from 'pino';
import { CONFIG_SPEC, type ConfigError, parseConfig, type SentinelConfig } from '../../../protocol/config';
import type { Finding } from '../../../protocol/finding';
import { extensionFinding } from '../findings/extension-finding';

export interface LoadedConfig {
  config: SentinelConfig;
  errors: ConfigError[];
  findings: Finding[];
  /** True when SENTINEL_STRICT_CONFIG asks to fail the init on these errors. */
  failInit: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv, log?: Logger): LoadedConfig {
  const { config, errors } = parseConfig(env);
  const findings = errors.map((e) =>
    extensionFinding({
      category: 'configuration',
      kind: 'config_invalid',
      severity: 'medium',
      title: `${e.message} (accepted: ${e.accepted})`,
      phase: 'init',
      details: { variable: e.variable, accepted: e.accepted },
    }),
  );
  if (log)
    for (const e of errors)
      log.error(
        { evt: 'config_error', variable: e.variable, accepted: e.accepted },
        `${e.message}; accepted values: ${e.accepted}`,
      );
  return { config, errors, findings, failInit: config.strictConfig && errors.length > 0 };
}

/** The effective configuration for the log, with secret values replaced by whether they are set. */
export function redactedConfig(config: SentinelConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const spec of CONFIG_SPEC) {
    if (spec.secret && out[spec.key] !== undefined) out[spec.key] = '[set]';
  }
  return out;
}
