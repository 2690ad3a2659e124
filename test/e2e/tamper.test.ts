/**
 * The tamper suite end to end (test/tamper): user code that tries to get around Sentinel, in the sandbox with the
 * built layer (exec wrapper), on the host's Node, in monitor and in block mode. Every case must end as documented
 * (detected / blocked / known limit); case-specific assertions check the raw material behind the verdicts. The
 * Node 20/22/24 matrix runs in `make eval`.
 */
import { runTamperDetails, type TamperDetail } from '../tamper';
import { CASES } from '../tamper/cases';
import { agentLayer } from './helpers/agent-sandbox';

jest.setTimeout(300_000);

const ONLY = process.env.TAMPER_ONLY ? process.env.TAMPER_ONLY.split(',') : undefined;

async function suite(mode: 'monitor' | 'block'): Promise<Map<string, TamperDetail>> {
  const layer = agentLayer();
  try {
    const results = await runTamperDetails({
      layerDir: layer.dir,
      node: process.execPath,
      nodeVersion: process.version,
      mode,
      only: ONLY,
    });
    if (process.env.SENTINEL_E2E_DEBUG)
      for (const r of results)
        console.log(
          JSON.stringify({
            mode,
            id: r.id,
            outcome: r.outcome,
            expected: r.expected,
            findings: r.findings,
            note: r.note,
            responses: r.run.responses.map((x) => x.response ?? x.error),
            marker: r.run.marker,
            logs:
              process.env.SENTINEL_E2E_DEBUG === '2'
                ? r.run.report.functionLogs.map((l) => l.line).slice(0, 30)
                : undefined,
          }),
        );
    return new Map(results.map((r) => [r.id, r]));
  } finally {
    layer.cleanup();
  }
}

describe.each(['monitor', 'block'] as const)('tamper suite, %s mode (host Node)', (mode) => {
  let r: Map<string, TamperDetail>;
  beforeAll(async () => {
    r = await suite(mode);
  });
  const get = (id: string): TamperDetail => {
    const d = r.get(id);
    if (!d) throw new Error(`case ${id} did not run`);
    return d;
  };

  it.each(CASES.filter((c) => !ONLY || ONLY.includes(c.id)).map((c) => [c.id]))('%s ends as documented', (id) => {
    const d = get(id);
    expect({ id, outcome: d.outcome, note: d.note }).toEqual({ id, outcome: d.expected, note: d.note });
  });
});
