/** Entry of the layer bundle `sentinel/agent-core.cjs`: the agent proper, booted by the preload or the shim. */
export { bootAgent } from './core/boot';
