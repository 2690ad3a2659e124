/**
 * Arguments the launcher (`layer/extensions/sentinel`) passes: the name to register with (its own file name) and
 * the function's NODE_OPTIONS, which the launcher removes from our own process so the agent preload (or anything
 * else preloaded) never runs inside the extension.
 */
export interface LaunchArgs {
  name: string;
  /** The function's NODE_OPTIONS as configured; undefined when it was not set. */
  nodeOptions?: string;
}

export function parseLaunchArgs(argv: readonly string[], env: NodeJS.ProcessEnv): LaunchArgs {
  let name: string | undefined;
  let nodeOptions: string | undefined;
  for (const a of argv) {
    if (a.startsWith('--name=')) name = a.slice('--name='.length);
    else if (a.startsWith('--node-options=')) nodeOptions = a.slice('--node-options='.length);
  }
  // Started without the launcher (tests, local runs): our own NODE_OPTIONS is the function's.
  if (nodeOptions === undefined && !argv.some((a) => a.startsWith('--name='))) nodeOptions = env.NODE_OPTIONS;
  return { name: name || 'sentinel', nodeOptions };
}
