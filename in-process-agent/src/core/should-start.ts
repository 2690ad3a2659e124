/** Whether this process is the Lambda runtime process the agent belongs in (tiny: the preload imports it). */
export function shouldStart(env: NodeJS.ProcessEnv, pid: number = process.pid): boolean {
  if (!env._HANDLER && !env.SENTINEL_HANDLER) return false;
  const active = env.SENTINEL_AGENT_ACTIVE;
  return !active || active === String(pid);
}
