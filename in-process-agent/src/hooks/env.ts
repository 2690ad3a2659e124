/**
 * Credential reads: `process.env` becomes a Proxy that forwards everything to the real environment object
 * (values, string coercion on assignment, deletion, enumeration) and notices reads of credential variables by
 * code that is not the AWS SDK. Reads by Node itself (e.g. copying the environment for a child process) and by
 * the runtime are not the function's.
 */

import { captureFrames, type Frame, firstUserFrame, isAgentFile, isAwsSdkPackage, packageOf } from '../context/stack';
import type { Agent } from '../core/agent';

export function installEnvHook(agent: Agent): void {
  const raw = process.env;
  const names = new Set(['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', ...agent.config.secretVars]);
  const proxy = new Proxy(raw, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof key === 'string' && names.has(key) && agent.guard === 0 && value !== undefined) {
        if (onSecretRead(agent, key)) return undefined;
      }
      return value;
    },
    set(target, key, value) {
      (target as Record<PropertyKey, unknown>)[key] = value;
      if (typeof key === 'string' && names.has(key)) agent.secretsStale = true;
      return true;
    },
    deleteProperty(target, key) {
      if (typeof key === 'string' && names.has(key)) agent.secretsStale = true;
      return Reflect.deleteProperty(target, key);
    },
  });
  process.env = proxy;
  // From now on the secret values are re-read only when one of their variables was assigned or deleted.
  agent.envWatched = true;
  agent.hooks.patches.push({ target: process, key: 'env', label: 'process.env', wrapper: proxy, original: raw });
}

/** Returns true when policy blocks the read (the variable then reads as unset). */
function onSecretRead(agent: Agent, name: string): boolean {
  agent.guard++;
  let frames: Frame[];
  try {
    frames = captureFrames();
  } catch (e) {
    agent.internalError(e, 'process.env');
    return false;
  } finally {
    agent.guard--;
  }
  const direct = frames.find((f) => !isAgentFile(f.file));
  if (!direct || (!direct.isEval && (direct.file.startsWith('node:') || direct.file.startsWith('internal/'))))
    return false;
  const user = firstUserFrame(frames);
  if (!user) return false;
  const pkg = packageOf(user.file);
  if (isAwsSdkPackage(pkg) && !user.isEval) return false;
  if (agent.roots.runtimeDir && user.file.startsWith(agent.roots.runtimeDir)) return false;
  const err = agent.check(
    'process.env',
    () => [name],
    () => ({
      category: 'credential_access',
      kind: 'secret_env_read',
      severity: 'high',
      confidence: 'medium',
      title: `credential variable ${name} read by code that is not the AWS SDK`,
      details: { variable: name },
    }),
    { frames, evalOrigin: true },
  );
  return err !== undefined;
}
