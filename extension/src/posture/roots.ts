/**
 * Where the function's code and the runtime live. Lambda gives extensions neither LAMBDA_TASK_ROOT nor
 * LAMBDA_RUNTIME_DIR; in AWS they are `/var/task` and `/var/runtime`. Elsewhere (the sandbox) the runtime process
 * knows them: the agent reports them in its `agent_posture` record, and before that the runtime's initial
 * environment is readable at `/proc/<pid>/environ` (same user) once the agent said hello with its pid.
 */
import { promises as fsp } from 'node:fs';

export interface Roots {
  taskRoot?: string;
  runtimeDir?: string;
  source: 'env' | 'well-known' | 'agent' | 'proc' | 'none';
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** From our own environment or the well-known AWS paths; undefined fields when not found. */
export async function ownRoots(env: NodeJS.ProcessEnv): Promise<Roots> {
  if (env.LAMBDA_TASK_ROOT)
    return { taskRoot: env.LAMBDA_TASK_ROOT, runtimeDir: env.LAMBDA_RUNTIME_DIR, source: 'env' };
  if (await isDir('/var/task'))
    return {
      taskRoot: '/var/task',
      runtimeDir: (await isDir('/var/runtime')) ? '/var/runtime' : undefined,
      source: 'well-known',
    };
  return { source: 'none' };
}

/** LAMBDA_TASK_ROOT / LAMBDA_RUNTIME_DIR from a process's initial environment (Linux). */
export async function procRoots(pid: number): Promise<Roots> {
  if (!Number.isInteger(pid) || pid <= 0) return { source: 'none' };
  try {
    const fh = await fsp.open(`/proc/${pid}/environ`, 'r');
    let raw: Buffer;
    try {
      // Bounded read: an environment is at most a few hundred KiB.
      const buf = Buffer.alloc(1024 * 1024);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      raw = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
    const vars = new Map<string, string>();
    for (const kv of raw.toString('utf8').split('\0')) {
      const i = kv.indexOf('=');
      const k = i > 0 ? kv.slice(0, i) : '';
      if (k === 'LAMBDA_TASK_ROOT' || k === 'LAMBDA_RUNTIME_DIR') vars.set(k, kv.slice(i + 1));
    }
    const taskRoot = vars.get('LAMBDA_TASK_ROOT');
    if (!taskRoot) return { source: 'none' };
    return { taskRoot, runtimeDir: vars.get('LAMBDA_RUNTIME_DIR'), source: 'proc' };
  } catch {
    return { source: 'none' };
  }
}

/** Roots the agent reported (`taskRoot`, `runtimeDir` in its record), when they are absolute paths. */
export function agentRoots(data: Record<string, unknown>): Roots {
  const abs = (v: unknown) => (typeof v === 'string' && v.startsWith('/') && v.length < 4096 ? v : undefined);
  const taskRoot = abs(data.taskRoot);
  return taskRoot ? { taskRoot, runtimeDir: abs(data.runtimeDir), source: 'agent' } : { source: 'none' };
}
