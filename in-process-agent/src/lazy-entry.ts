/**
 * Entry of the second layer bundle, `sentinel/agent-lazy.cjs`: the detectors and the input extraction. They are
 * most of the agent's code but are needed only when a hooked operation is first checked, so the preload does
 * not pay for compiling them (process start must stay within 10 % of plain Node).
 */
export * as detectors from './detectors/index';
export { extractInputs } from './input/extract';
