/**
 * Which invocation is current, for log lines and for libraries that ask the runtime.
 * RIC 3.x keeps the ids in global symbols (an idle runtime logs `undefined`); RIC 4.x keeps them in an
 * InvokeStore published as `globalThis.awslambda.InvokeStore` (an idle runtime logs `-`).
 */
export interface RequestScope {
  requestId(): string;
  tenantId(): string | undefined;
  /** Makes `requestId`/`tenantId`/`traceId` current for the invocation about to run. */
  enter(ids: { requestId: string; tenantId?: string; traceId?: string }): void;
}

const REQUEST_ID_SYMBOL = Symbol.for('aws.lambda.runtime.requestId');
const TENANT_ID_SYMBOL = Symbol.for('aws.lambda.runtime.tenantId');

type SymbolGlobals = Record<symbol, string | undefined>;

export function ric3RequestScope(): RequestScope {
  const g = globalThis as unknown as SymbolGlobals;
  return {
    requestId: () => String(g[REQUEST_ID_SYMBOL]),
    tenantId: () => g[TENANT_ID_SYMBOL],
    enter: ({ requestId, tenantId }) => {
      g[REQUEST_ID_SYMBOL] = requestId;
      g[TENANT_ID_SYMBOL] = tenantId;
    },
  };
}

/** The keys @aws/lambda-invoke-store protects (same `Symbol.for` names, so that package sees our values). */
const PROTECTED_KEYS = {
  REQUEST_ID: Symbol.for('_AWS_LAMBDA_REQUEST_ID'),
  X_RAY_TRACE_ID: Symbol.for('_AWS_LAMBDA_X_RAY_TRACE_ID'),
  TENANT_ID: Symbol.for('_AWS_LAMBDA_TENANT_ID'),
};

type StoreContext = Record<string | symbol, unknown>;

/** Single-concurrency InvokeStore with the public surface of @aws/lambda-invoke-store's `InvokeStoreSingle`. */
export class InvokeStore {
  static readonly PROTECTED_KEYS = PROTECTED_KEYS;
  private current: StoreContext | undefined;

  getContext(): StoreContext | undefined {
    return this.current;
  }
  hasContext(): boolean {
    return this.current !== undefined;
  }
  get(key: string | symbol): unknown {
    return this.current?.[key];
  }
  set(key: string | symbol, value: unknown): void {
    if ((Object.values(PROTECTED_KEYS) as (string | symbol)[]).includes(key)) {
      throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    }
    this.current = this.current ?? {};
    this.current[key] = value;
  }
  run<T>(context: StoreContext, fn: () => T): T {
    this.current = context;
    return fn();
  }
  getRequestId(): string {
    return (this.get(PROTECTED_KEYS.REQUEST_ID) as string | undefined) ?? '-';
  }
  getXRayTraceId(): string | undefined {
    return this.get(PROTECTED_KEYS.X_RAY_TRACE_ID) as string | undefined;
  }
  getTenantId(): string | undefined {
    return this.get(PROTECTED_KEYS.TENANT_ID) as string | undefined;
  }
}

export function ric4RequestScope(store: InvokeStore): RequestScope {
  return {
    requestId: () => store.getRequestId(),
    tenantId: () => store.getTenantId() || undefined,
    enter: ({ requestId, tenantId, traceId }) => {
      store.run(
        {
          [PROTECTED_KEYS.REQUEST_ID]: requestId,
          [PROTECTED_KEYS.X_RAY_TRACE_ID]: traceId,
          [PROTECTED_KEYS.TENANT_ID]: tenantId,
        },
        () => undefined,
      );
    },
  };
}
