/**
 * process.dlopen called directly (no require, so no Module._load): the module-load policy still applies. The
 * hooks go on a fake CJS Module class and on the real `process`, whose dlopen is a recorder during the test.
 */
import type { AgentMessage } from '../../../protocol/channel';
import { parseConfig } from '../../../protocol/config';
import type { Finding } from '../../../protocol/finding';
import { Invocation } from '../context/invocation';
import { Agent } from '../core/agent';
import { ModuleHooks } from './modules';

const roots = { taskRoot: '/var/task', runtimeDir: '/var/runtime', layerRoot: '/opt', tmpDirs: ['/tmp'] };

function withHooks(
  env: Record<string, string>,
  body: (agent: Agent, loads: unknown[][], findings: () => Finding[]) => void,
) {
  const agent = new Agent(parseConfig(env).config, roots, env);
  const sent: AgentMessage[] = [];
  agent.setSender((m) => sent.push(m));
  const loads: unknown[][] = [];
  const realDlopen = process.dlopen;
  process.dlopen = ((...a: unknown[]) => {
    loads.push(a);
  }) as typeof process.dlopen;
  const FakeModule = {
    builtinModules: [],
    _load: () => ({}),
    _resolveFilename: (s: unknown) => s,
    _extensions: {},
    prototype: { _compile: () => undefined },
  };
  try {
    new ModuleHooks(agent, () => {}).install(FakeModule);
    body(agent, loads, () => sent.flatMap((m) => (m.t === 'finding' ? [m.finding as Finding] : [])));
  } finally {
    process.dlopen = realDlopen;
  }
}

describe('process.dlopen hook', () => {
  it('reports a dropped addon loaded directly (monitor: it loads)', () => {
    withHooks({}, (agent, loads, findings) => {
      agent.droppedFiles.add('/tmp/x.node');
      agent.context.run(new Invocation('req-1', {}), () => process.dlopen({ exports: {} }, '/tmp/x.node'));
      expect(loads).toHaveLength(1);
      expect(findings()).toEqual([
        expect.objectContaining({
          category: 'dropper',
          kind: 'load_dropped_file',
          sink: 'process.dlopen',
          requestId: 'req-1',
        }),
      ]);
    });
  });

  it("block: refuses it before loading; the function's own addons and guarded loader calls pass", () => {
    withHooks({ SENTINEL_MODE: 'block' }, (agent, loads, findings) => {
      expect(() =>
        agent.context.run(new Invocation('req-2', {}), () => process.dlopen({ exports: {} }, '/tmp/y.node')),
      ).toThrow(expect.objectContaining({ code: 'ERR_SENTINEL_BLOCKED' }));
      process.dlopen({ exports: {} }, '/var/task/node_modules/sharp/build/sharp.node');
      agent.guard++;
      process.dlopen({ exports: {} }, '/tmp/z.node'); // the loader's own call (require), checked before
      agent.guard--;
      expect(loads.map((a) => a[1])).toEqual(['/var/task/node_modules/sharp/build/sharp.node', '/tmp/z.node']);
      expect(findings()).toEqual([expect.objectContaining({ kind: 'tmp_module', blocked: true })]);
    });
  });
});
