/**
 * State of the Lambda control-plane fake: functions, their configuration, RevisionId and reserved concurrency,
 * with the validation rules AWS applies. HTTP concerns live in lambda-api.ts.
 */
import { createHash, randomUUID } from 'node:crypto';

/** A Lambda error as AWS names it; lambda-api.ts turns it into status + x-amzn-errortype + JSON body. */
export class LambdaError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly faultType: 'User' | 'Service' = 'User',
  ) {
    super(message);
  }
}

interface LambdaFunction {
  name: string;
  /** Every configuration field except Environment, RevisionId and LastModified. */
  settings: Record<string, unknown>;
  environment: Record<string, string>;
  revisionId: string;
  lastModified: string;
  lastUpdateStatus: 'Successful' | 'InProgress';
  reservedConcurrency?: number;
}

/** Fields UpdateFunctionConfiguration may change besides Environment (AWS ignores the others). */
const UPDATABLE = [
  'Role',
  'Handler',
  'Description',
  'Timeout',
  'MemorySize',
  'VpcConfig',
  'Runtime',
  'DeadLetterConfig',
  'KMSKeyArn',
  'TracingConfig',
  'FileSystemConfigs',
  'ImageConfig',
  'EphemeralStorage',
  'SnapStart',
  'LoggingConfig',
] as const;

/** Keys Lambda reserves for itself; setting one fails with InvalidParameterValueException. */
const RESERVED_ENV_KEYS = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

const ENV_KEY_PATTERN = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
const ENV_LIMIT_BYTES = 4096;
/** Default account concurrency limit and the unreserved minimum AWS keeps. */
export const ACCOUNT_CONCURRENCY = 1000;
const MIN_UNRESERVED = 100;

/** AWS's LastModified format: 2024-05-01T12:00:00.000+0000. */
function lambdaTimestamp(d = new Date()): string {
  return d.toISOString().replace('Z', '+0000');
}

export class LambdaFunctions {
  private readonly functions = new Map<string, LambdaFunction>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  arn(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }

  /**
   * The function a FunctionName parameter designates: a name, a full ARN or a partial ARN (`acct:function:name`),
   * optionally qualified. Only $LATEST exists here.
   */
  resolve(identifier: string, qualifier?: string): LambdaFunction {
    const m =
      /^(?:arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):)?(?:(\d{12}):function:)?([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9$_-]+))?$/.exec(
        identifier,
      );
    const [, region, account, name, arnQualifier] = m ?? [];
    const q = qualifier ?? arnQualifier;
    const fn = name ? this.functions.get(name) : undefined;
    const sameAccount = (!region || region === this.region) && (!account || account === this.accountId);
    if (!fn || !sameAccount || (q !== undefined && q !== '$LATEST')) {
      throw new LambdaError(
        404,
        'ResourceNotFoundException',
        `Function not found: ${this.arn(name ?? identifier)}${q ? `:${q}` : ''}`,
      );
    }
    return fn;
  }

  ensure(name: string, environment: Record<string, string>): void {
    if (this.functions.has(name)) return;
    this.functions.set(name, {
      name,
      settings: {
        Runtime: 'nodejs20.x',
        Role: `arn:aws:iam::${this.accountId}:role/${name}-role`,
        Handler: 'index.handler',
        CodeSize: 1024,
        Description: '',
        Timeout: 3,
        MemorySize: 128,
        CodeSha256: createHash('sha256').update(name).digest('base64'),
        Version: '$LATEST',
        TracingConfig: { Mode: 'PassThrough' },
        State: 'Active',
        PackageType: 'Zip',
        Architectures: ['x86_64'],
        EphemeralStorage: { Size: 512 },
        SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
        LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${name}` },
      },
      environment: { ...environment },
      revisionId: randomUUID(),
      lastModified: lambdaTimestamp(),
      lastUpdateStatus: 'Successful',
    });
  }

  get(name: string): LambdaFunction | undefined {
    return this.functions.get(name);
  }

  /** The GetFunctionConfiguration shape. Environment is absent when the function has no variables, as in AWS. */
  configuration(fn: LambdaFunction): Record<string, unknown> {
    const hasEnv = Object.keys(fn.environment).length > 0;
    return {
      FunctionName: fn.name,
      FunctionArn: this.arn(fn.name),
      ...fn.settings,
      ...(hasEnv ? { Environment: { Variables: { ...fn.environment } } } : {}),
      LastModified: fn.lastModified,
      RevisionId: fn.revisionId,
      LastUpdateStatus: fn.lastUpdateStatus,
    };
  }

  /**
   * UpdateFunctionConfiguration: merges the given fields; `Environment` replaces the whole variable map. The reply
   * shows LastUpdateStatus InProgress like AWS; the update completes at once, so the next read says Successful.
   */
  updateConfiguration(fn: LambdaFunction, input: Record<string, unknown>): Record<string, unknown> {
    checkRevision(fn, input);
    validateSettings(input);
    const environment = input.Environment === undefined ? undefined : validateEnvironment(input.Environment);
    for (const key of UPDATABLE) if (input[key] !== undefined) fn.settings[key] = input[key];
    if (Array.isArray(input.Layers))
      fn.settings.Layers = input.Layers.map((arn) => ({ Arn: String(arn), CodeSize: 1024 }));
    if (environment) fn.environment = environment;
    return this.committed(fn);
  }

  /**
   * UpdateFunctionCode: a new `ZipFile` (base64 in the JSON body, as the SDK sends it) gives CodeSha256 = base64
   * sha256 of the bytes and CodeSize = their length, as AWS; `S3Bucket`+`S3Key` (the fake has no S3) hashes the
   * object's address instead and keeps CodeSize. `ImageUri` is refused (Zip functions only here). New RevisionId and
   * LastModified; `DryRun` validates and changes nothing; `Publish` is ignored (no versions here).
   */
  updateCode(fn: LambdaFunction, input: Record<string, unknown>): Record<string, unknown> {
    checkRevision(fn, input);
    let sha: string;
    let size = Number(fn.settings.CodeSize ?? 0);
    if (typeof input.ZipFile === 'string' && input.ZipFile !== '') {
      const bytes = Buffer.from(input.ZipFile, 'base64');
      sha = createHash('sha256').update(bytes).digest('base64');
      size = bytes.length;
    } else if (typeof input.S3Bucket === 'string' && typeof input.S3Key === 'string') {
      const version = typeof input.S3ObjectVersion === 'string' ? `?versionId=${input.S3ObjectVersion}` : '';
      sha = createHash('sha256').update(`s3://${input.S3Bucket}/${input.S3Key}${version}`).digest('base64');
    } else if (input.ImageUri !== undefined) {
      throw new LambdaError(
        400,
        'InvalidParameterValueException',
        "Please don't provide ImageUri when updating a function with packageType Zip.",
      );
    } else {
      throw new LambdaError(400, 'InvalidParameterValueException', 'Please provide a source for function code.');
    }
    if (input.DryRun === true) return { ...this.configuration(fn), CodeSha256: sha, CodeSize: size };
    fn.settings.CodeSha256 = sha;
    fn.settings.CodeSize = size;
    return this.committed(fn);
  }

  /** Test set-up: the function's last update completed `ms` ago. */
  backdate(name: string, ms: number): void {
    const fn = this.get(name);
    if (fn) fn.lastModified = lambdaTimestamp(new Date(Date.now() - ms));
  }

  /** A configuration or code update lands: new revision and time; the reply says InProgress, later reads Successful. */
  private committed(fn: LambdaFunction): Record<string, unknown> {
    fn.revisionId = randomUUID();
    fn.lastModified = lambdaTimestamp();
    fn.lastUpdateStatus = 'InProgress';
    const reply = this.configuration(fn);
    fn.lastUpdateStatus = 'Successful';
    return reply;
  }

  putConcurrency(fn: LambdaFunction, value: unknown): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new LambdaError(
        400,
        'InvalidParameterValueException',
        'ReservedConcurrentExecutions must be a non-negative integer',
      );
    }
    let reservedElsewhere = 0;
    for (const other of this.functions.values()) if (other !== fn) reservedElsewhere += other.reservedConcurrency ?? 0;
    if (reservedElsewhere + value > ACCOUNT_CONCURRENCY - MIN_UNRESERVED) {
      throw new LambdaError(
        400,
        'InvalidParameterValueException',
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MIN_UNRESERVED}].`,
      );
    }
    fn.reservedConcurrency = value;
    return value;
  }

  deleteConcurrency(fn: LambdaFunction): void {
    fn.reservedConcurrency = undefined;
  }
}

function validateSettings(input: Record<string, unknown>): void {
  const range = (field: string, min: number, max: number) => {
    const v = input[field];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new LambdaError(
        400,
        'ValidationException',
        `1 validation error detected: Value '${String(v)}' at '${field.charAt(0).toLowerCase()}${field.slice(1)}' failed to satisfy constraint: Member must have value between ${min} and ${max}`,
      );
    }
  };
  range('Timeout', 1, 900);
  range('MemorySize', 128, 10240);
}

function validateEnvironment(value: unknown): Record<string, string> {
  const variables = (value as { Variables?: unknown } | null)?.Variables ?? {};
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
    throw new LambdaError(400, 'InvalidParameterValueException', 'Environment.Variables must be a map of strings');
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(variables)) {
    if (!ENV_KEY_PATTERN.test(key)) {
      throw new LambdaError(
        400,
        'ValidationException',
        "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
      );
    }
    out[key] = String(v);
  }
  const reserved = Object.keys(out).filter((k) => RESERVED_ENV_KEYS.has(k));
  if (reserved.length > 0) {
    throw new LambdaError(
      400,
      'InvalidParameterValueException',
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(',')}`,
    );
  }
  // AWS measures the JSON of the map; its message quotes it, we leave the values out (they may be secrets).
  if (Buffer.byteLength(JSON.stringify(out)) > ENV_LIMIT_BYTES) {
    throw new LambdaError(
      400,
      'InvalidParameterValueException',
      'Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.',
    );
  }
  return out;
}

/** Optimistic locking of the update calls: a RevisionId that is not the current one is refused, as in AWS. */
function checkRevision(fn: LambdaFunction, input: Record<string, unknown>): void {
  if (typeof input.RevisionId === 'string' && input.RevisionId !== fn.revisionId) {
    throw new LambdaError(
      412,
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
  }
}
