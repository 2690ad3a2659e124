/**
 * Behavioural policy for module loads (pure): code loaded from the environment's tmp dirs, from outside the
 * task/layer/runtime roots, and native addons not shipped with the function.
 */

import { isUnder } from '../context/stack';
import type { Roots, Verdict } from '../detectors/types';

/**
 * `extraRoots`: the runtime's module search path (NODE_PATH), which in Lambda lists only task, layer and runtime
 * directories anyway.
 */
export function checkModuleLoad(
  file: string,
  roots: Roots,
  droppedFiles: ReadonlySet<string>,
  extraRoots: readonly string[] = [],
): Verdict | undefined {
  if (!file.startsWith('/')) return undefined; // builtins, data: URLs
  if (droppedFiles.has(file)) {
    return {
      category: 'dropper',
      kind: 'load_dropped_file',
      severity: 'critical',
      confidence: 'high',
      title: `module loaded from a file written in this environment: ${file}`,
      details: { file },
    };
  }
  const known = [roots.taskRoot, roots.layerRoot, roots.runtimeDir, ...extraRoots].some((r) => isUnder(file, r));
  if (known) return undefined;
  if (roots.tmpDirs.some((t) => isUnder(file, t))) {
    return {
      category: 'module_load',
      kind: 'tmp_module',
      severity: 'high',
      confidence: 'high',
      title: `module loaded from a temporary directory: ${file}`,
      details: { file },
    };
  }
  if (file.endsWith('.node')) {
    return {
      category: 'module_load',
      kind: 'native_addon',
      severity: 'high',
      confidence: 'medium',
      title: `native addon loaded from outside the function's code: ${file}`,
      details: { file },
    };
  }
  return {
    category: 'module_load',
    kind: 'outside_roots',
    severity: 'medium',
    confidence: 'medium',
    title: `module loaded from outside the task, layer and runtime roots: ${file}`,
    details: { file },
  };
}
