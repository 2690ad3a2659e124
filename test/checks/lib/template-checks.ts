/**
 * Checks of template.yaml, as functions from a parsed template (long-form intrinsics, see cfn-yaml.ts) to a list of
 * problems, so tests can also run them on deliberately broken copies and see them fail. Each check has one subject:
 * resources, least privilege, environment vs CONFIG_SPEC, references (dangling, cycles), the alarm, secrets.
 */
import { CONFIG_SPEC, type ConfigVar, INTERNAL_NAMES, parseConfig } from '../../../protocol/config';
import type { Json } from './cfn-yaml';

export type Template = { [key: string]: Json };
type Obj = { [key: string]: Json };

export const LAMBDA_ACTIONS = [
  'lambda:GetFunctionConfiguration',
  'lambda:UpdateFunctionConfiguration',
  'lambda:PutFunctionConcurrency',
  'lambda:DeleteFunctionConcurrency',
  'lambda:GetFunctionConcurrency',
] as const;
export const DYNAMODB_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:BatchWriteItem',
] as const;
export const REQUIRED_ACTIONS = [...LAMBDA_ACTIONS, 'sns:Publish', ...DYNAMODB_ACTIONS, 'cloudwatch:PutMetricData'];
export const SUPPORTED_RUNTIMES = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'];
export const WRAPPER_PATH = '/opt/sentinel-wrapper';
/** The only shape a Lambda resource may have: the protected function's unqualified ARN, built from a parameter. */
const LAMBDA_ARN_SUB =
  /^arn:\$\{AWS::Partition\}:lambda:\$\{AWS::Region\}:\$\{AWS::AccountId\}:function:\$\{([A-Za-z0-9]+)\}$/;

// ---------------------------------------------------------------------------------------------------------------
// small accessors

export const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const asList = (v: Json | undefined): Json[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const section = (t: Template, name: string): Obj => (isObj(t[name]) ? (t[name] as Obj) : {});
const props = (r: Json | undefined): Obj => (isObj(r) && isObj(r.Properties) ? r.Properties : {});
const typeOf = (r: Json | undefined): string | undefined =>
  isObj(r) && typeof r.Type === 'string' ? r.Type : undefined;
const refName = (v: Json | undefined): string | undefined =>
  isObj(v) && typeof v.Ref === 'string' ? v.Ref : undefined;
const getAttTarget = (v: Json | undefined): string | undefined => {
  const g = isObj(v) ? v['Fn::GetAtt'] : undefined;
  return Array.isArray(g) && typeof g[0] === 'string' ? g[0] : undefined;
};

export function resourcesOfType(t: Template, type: string): [string, Obj][] {
  return Object.entries(section(t, 'Resources')).filter(([, r]) => typeOf(r) === type) as [string, Obj][];
}

/** Environment variables of every function (SAM and plain), plus SAM Globals, as [where, variables]. */
function functionEnvironments(t: Template): [string, Obj][] {
  const out: [string, Obj][] = [];
  for (const type of ['AWS::Serverless::Function', 'AWS::Lambda::Function'])
    for (const [id, r] of resourcesOfType(t, type)) {
      const env = props(r).Environment;
      out.push([id, isObj(env) && isObj(env.Variables) ? env.Variables : {}]);
    }
  const globals = section(t, 'Globals').Function;
  const genv = isObj(globals) ? globals.Environment : undefined;
  if (isObj(genv) && isObj(genv.Variables)) out.push(['Globals.Function', genv.Variables]);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// resources

/** The deployable pieces exist with the properties Sentinel relies on. */
export function checkResources(t: Template): string[] {
  const problems: string[] = [];
  if (t.Transform !== 'AWS::Serverless-2016-10-31' && !asList(t.Transform).includes('AWS::Serverless-2016-10-31'))
    problems.push('Transform AWS::Serverless-2016-10-31 is missing');

  const one = (type: string): [string, Obj] | undefined => {
    const found = resourcesOfType(t, type);
    if (found.length === 0) problems.push(`no ${type} resource`);
    return found[0];
  };

  const layer = one('AWS::Serverless::LayerVersion');
  if (layer) {
    const p = props(layer[1]);
    if (p.ContentUri !== 'build/layer') problems.push(`layer ${layer[0]}: ContentUri must be build/layer`);
    for (const rt of SUPPORTED_RUNTIMES)
      if (!asList(p.CompatibleRuntimes).includes(rt))
        problems.push(`layer ${layer[0]}: CompatibleRuntimes lacks ${rt}`);
    for (const arch of ['x86_64', 'arm64'])
      if (!asList(p.CompatibleArchitectures).includes(arch))
        problems.push(`layer ${layer[0]}: CompatibleArchitectures lacks ${arch}`);
  }

  const table = one('AWS::DynamoDB::Table');
  if (table) {
    const [id, r] = table;
    const p = props(r);
    if (p.BillingMode !== 'PAY_PER_REQUEST') problems.push(`table ${id}: BillingMode must be PAY_PER_REQUEST`);
    const keys = asList(p.KeySchema).map((k) => (isObj(k) ? `${k.AttributeName}:${k.KeyType}` : '?'));
    if (keys.join(',') !== 'pk:HASH,sk:RANGE')
      problems.push(`table ${id}: KeySchema must be pk HASH, sk RANGE (is ${keys})`);
    const attrs = asList(p.AttributeDefinitions).map((a) => (isObj(a) ? `${a.AttributeName}:${a.AttributeType}` : '?'));
    if ([...attrs].sort().join(',') !== 'pk:S,sk:S')
      problems.push(`table ${id}: pk and sk must be defined as strings (S)`);
    const ttl = p.TimeToLiveSpecification;
    if (!isObj(ttl) || ttl.AttributeName !== 'ttl' || ttl.Enabled !== true)
      problems.push(`table ${id}: TimeToLiveSpecification must be enabled on attribute ttl`);
    const pitr = p.PointInTimeRecoverySpecification;
    if (!isObj(pitr) || pitr.PointInTimeRecoveryEnabled !== true)
      problems.push(`table ${id}: point-in-time recovery is off`);
  }

  const topic = one('AWS::SNS::Topic');
  const subscription = one('AWS::SNS::Subscription');
  if (topic && subscription) {
    const [id, r] = subscription;
    if (refName(props(r).TopicArn) !== topic[0]) problems.push(`subscription ${id}: TopicArn must be !Ref ${topic[0]}`);
    if (props(r).Protocol !== 'email') problems.push(`subscription ${id}: Protocol must be email`);
    // Optional: created only when its parameter is set.
    const cond = r.Condition;
    const endpointParam = refName(props(r).Endpoint);
    if (typeof cond !== 'string' || !(cond in section(t, 'Conditions')))
      problems.push(`subscription ${id}: needs a Condition (the e-mail address is optional)`);
    else if (!endpointParam || !JSON.stringify(section(t, 'Conditions')[cond]).includes(`{"Ref":"${endpointParam}"}`))
      problems.push(`subscription ${id}: Condition ${cond} does not test the Endpoint parameter`);
  }

  one('AWS::IAM::ManagedPolicy');
  one('AWS::CloudWatch::Alarm');
  const fn = one('AWS::Serverless::Function');
  if (fn && props(fn[1]).Runtime !== 'nodejs22.x')
    problems.push(`function ${fn[0]}: example runtime must be nodejs22.x`);

  // Outputs: what a user needs to wire other functions.
  const outputs = Object.values(section(t, 'Outputs')).map((o) => (isObj(o) ? o.Value : undefined));
  const refOutputs = new Set(outputs.map(refName).filter(Boolean));
  for (const [label, target] of [
    ['layer ARN', layer?.[0]],
    ['topic ARN', topic?.[0]],
    ['table name', table?.[0]],
    ['policy ARN', resourcesOfType(t, 'AWS::IAM::ManagedPolicy')[0]?.[0]],
  ])
    if (target && !refOutputs.has(target)) problems.push(`Outputs: no output with the ${label} (!Ref ${target})`);
  return problems;
}

/**
 * Whether `ns` (a literal or an intrinsic) is the namespace every function publishes to: its
 * SENTINEL_METRICS_NAMESPACE, or the spec's default when unset.
 */
function sameAsFunctionsNamespace(t: Template, ns: Json): boolean {
  const fallback = CONFIG_SPEC.find((v) => v.name === 'SENTINEL_METRICS_NAMESPACE')?.default ?? 'Sentinel';
  const used = functionEnvironments(t).map(([, vars]) => vars.SENTINEL_METRICS_NAMESPACE ?? fallback);
  if (used.length === 0) used.push(fallback);
  return used.every((v) => JSON.stringify(v) === JSON.stringify(ns));
}

// ---------------------------------------------------------------------------------------------------------------
// least privilege

function stringParameters(t: Template): Set<string> {
  return new Set(
    Object.entries(section(t, 'Parameters'))
      .filter(([, p]) => isObj(p) && p.Type === 'String')
      .map(([name]) => name),
  );
}

/** Statements of every managed policy and every inline policy document, as [where, statement]. */
function policyStatements(t: Template): [string, Obj][] {
  const out: [string, Obj][] = [];
  const docs: [string, Json | undefined][] = [];
  for (const [id, r] of resourcesOfType(t, 'AWS::IAM::ManagedPolicy')) docs.push([id, props(r).PolicyDocument]);
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::Role'])
    for (const [id, r] of resourcesOfType(t, type)) {
      docs.push([id, props(r).PolicyDocument]);
      for (const p of asList(props(r).Policies)) if (isObj(p)) docs.push([id, p.PolicyDocument]);
    }
  for (const [id, r] of resourcesOfType(t, 'AWS::Serverless::Function'))
    for (const p of asList(props(r).Policies)) if (isObj(p) && 'Statement' in p) docs.push([id, p]);
  for (const [id, doc] of docs)
    asList(isObj(doc) ? doc.Statement : undefined).forEach((s, i) => {
      if (isObj(s)) out.push([`${id} statement ${typeof s.Sid === 'string' ? s.Sid : i}`, s]);
    });
  return out;
}

/**
 * No wildcard actions, no NotAction/NotResource; Lambda actions only the five Sentinel needs and only on the
 * protected function's ARN built from a parameter; DynamoDB item actions only (no Scan) on a table of the template;
 * sns:Publish on a topic of the template; `*` resources only for PutMetricData, limited by a namespace condition.
 * Every action Sentinel needs is granted somewhere.
 */
export function checkLeastPrivilege(t: Template): string[] {
  const problems: string[] = [];
  const statements = policyStatements(t);
  if (statements.length === 0) problems.push('no IAM policy statements found');
  const params = stringParameters(t);
  const tables = new Set(resourcesOfType(t, 'AWS::DynamoDB::Table').map(([id]) => id));
  const topics = new Set(resourcesOfType(t, 'AWS::SNS::Topic').map(([id]) => id));
  const granted = new Set<string>();

  for (const [where, s] of statements) {
    if (s.Effect !== 'Allow') continue; // a Deny only narrows
    if ('NotAction' in s || 'NotResource' in s) problems.push(`${where}: NotAction/NotResource grant too much`);
    const actions = asList(s.Action).map(String);
    const resources = asList(s.Resource);
    for (const a of actions) {
      if (a.includes('*')) problems.push(`${where}: wildcard action ${a}`);
      granted.add(a);
    }
    const services = new Set(actions.map((a) => a.split(':')[0].toLowerCase()));
    if (services.size > 1)
      problems.push(`${where}: mixes services (${[...services].join(', ')}); keep one per statement`);

    const lambdaActions = actions.filter((a) => a.toLowerCase().startsWith('lambda:'));
    for (const a of lambdaActions)
      if (!(LAMBDA_ACTIONS as readonly string[]).includes(a))
        problems.push(`${where}: Lambda action ${a} is not needed`);
    if (lambdaActions.length > 0)
      for (const r of resources) {
        const sub = isObj(r) ? r['Fn::Sub'] : undefined;
        const m = typeof sub === 'string' ? LAMBDA_ARN_SUB.exec(sub) : null;
        if (!m) problems.push(`${where}: Lambda resource ${JSON.stringify(r)} is not the protected function's ARN`);
        else if (!params.has(m[1])) problems.push(`${where}: Lambda ARN must name a String parameter, not ${m[1]}`);
      }

    const ddbActions = actions.filter((a) => a.toLowerCase().startsWith('dynamodb:'));
    for (const a of ddbActions)
      if (!(DYNAMODB_ACTIONS as readonly string[]).includes(a))
        problems.push(`${where}: DynamoDB action ${a} is not allowed`);
    if (ddbActions.length > 0)
      for (const r of resources) {
        const att = isObj(r) ? r['Fn::GetAtt'] : undefined;
        if (!Array.isArray(att) || !tables.has(String(att[0])) || att[1] !== 'Arn')
          problems.push(`${where}: DynamoDB resource ${JSON.stringify(r)} must be !GetAtt <table>.Arn`);
      }

    if (actions.includes('sns:Publish'))
      for (const r of resources)
        if (!topics.has(refName(r) ?? '')) problems.push(`${where}: sns:Publish resource must be !Ref <topic>`);

    if (resources.some((r) => typeof r === 'string' && r.includes('*'))) {
      const onlyMetrics = actions.length > 0 && actions.every((a) => a === 'cloudwatch:PutMetricData');
      if (!onlyMetrics) problems.push(`${where}: resource * is only acceptable for cloudwatch:PutMetricData`);
    }
    if (actions.includes('cloudwatch:PutMetricData')) {
      const cond = isObj(s.Condition) ? s.Condition.StringEquals : undefined;
      const ns = isObj(cond) ? cond['cloudwatch:namespace'] : undefined;
      if (ns === undefined) problems.push(`${where}: PutMetricData needs Condition StringEquals cloudwatch:namespace`);
      else if (!sameAsFunctionsNamespace(t, ns))
        problems.push(`${where}: cloudwatch:namespace must be the functions' SENTINEL_METRICS_NAMESPACE`);
    }
  }
  for (const a of REQUIRED_ACTIONS)
    if (!granted.has(a)) problems.push(`action ${a} is not granted (Sentinel needs it)`);
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// environment vs CONFIG_SPEC

/**
 * Every SENTINEL_* variable set on a function exists in CONFIG_SPEC and is user configuration (not internal);
 * literal values parse without error; parameters behind enum variables allow only accepted values; a function that
 * sets SENTINEL_* variables uses the wrapper, the layer and a supported runtime.
 */
export function checkEnvironment(t: Template, spec: readonly ConfigVar[] = CONFIG_SPEC): string[] {
  const problems: string[] = [];
  const byName = new Map(spec.map((v) => [v.name, v]));
  const params = section(t, 'Parameters');
  const layers = new Set(resourcesOfType(t, 'AWS::Serverless::LayerVersion').map(([id]) => id));
  for (const [where, vars] of functionEnvironments(t)) {
    const sentinelVars = Object.keys(vars).filter((k) => k.startsWith('SENTINEL_'));
    for (const name of sentinelVars) {
      const v = byName.get(name);
      if (!v) {
        problems.push(`${where}: ${name} is not in protocol/config.ts CONFIG_SPEC`);
        continue;
      }
      if (v.internal || INTERNAL_NAMES.has(name)) problems.push(`${where}: ${name} is set by Sentinel, not by users`);
      const value = vars[name];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        const { errors } = parseConfig({ [name]: String(value) });
        for (const e of errors)
          problems.push(`${where}: ${name}=${String(value)}: ${e.message} (accepted: ${e.accepted})`);
      }
      const param = refName(value);
      const allowed = param && isObj(params[param]) ? params[param].AllowedValues : undefined;
      if (v.kind.type === 'enum' && Array.isArray(allowed)) {
        const accepted = v.kind.values;
        for (const a of allowed)
          if (!accepted.includes(String(a)))
            problems.push(`${where}: parameter ${param} allows ${a}, which ${name} rejects`);
      }
    }
    if (sentinelVars.length > 0 && where !== 'Globals.Function') {
      const r = section(t, 'Resources')[where];
      const p = props(r);
      if (vars.AWS_LAMBDA_EXEC_WRAPPER !== WRAPPER_PATH)
        problems.push(`${where}: AWS_LAMBDA_EXEC_WRAPPER must be ${WRAPPER_PATH}`);
      if (!asList(p.Layers).some((l) => layers.has(refName(l) ?? '')))
        problems.push(`${where}: does not use the Sentinel layer`);
      if (typeof p.Runtime === 'string' && !SUPPORTED_RUNTIMES.includes(p.Runtime))
        problems.push(`${where}: runtime ${p.Runtime} is not supported`);
    }
  }
  return problems;
}

/** Secret variables (spec.secret) come from NoEcho parameters only, never from literals in the template. */
export function checkSecrets(t: Template, spec: readonly ConfigVar[] = CONFIG_SPEC): string[] {
  const problems: string[] = [];
  const params = section(t, 'Parameters');
  const secretNames = new Set(spec.filter((v) => v.secret).map((v) => v.name));
  for (const [where, vars] of functionEnvironments(t))
    for (const [name, value] of Object.entries(vars)) {
      if (!secretNames.has(name)) continue;
      const refs = collectRefs(value).filter((r) => r !== 'AWS::NoValue');
      if (refs.length === 0) problems.push(`${where}: ${name} is a secret and must come from a NoEcho parameter`);
      for (const r of refs) {
        const p = params[r];
        if (!isObj(p)) problems.push(`${where}: ${name} must come from a parameter, not ${r}`);
        else if (p.NoEcho !== true && p.NoEcho !== 'true')
          problems.push(`parameter ${r} (feeds ${name}) needs NoEcho: true`);
      }
    }
  return problems;
}

/** The alarm watches Sentinel's incident metric of the protected function and notifies the topic. */
export function checkAlarm(t: Template): string[] {
  const problems: string[] = [];
  const topics = new Set(resourcesOfType(t, 'AWS::SNS::Topic').map(([id]) => id));
  // A function is named by !Ref of the function, or by whatever its FunctionName property says.
  const protectedNames: Json[] = [];
  for (const type of ['AWS::Serverless::Function', 'AWS::Lambda::Function'])
    for (const [fid, r] of resourcesOfType(t, type)) {
      protectedNames.push({ Ref: fid });
      if (props(r).FunctionName !== undefined) protectedNames.push(props(r).FunctionName);
    }
  for (const [id, r] of resourcesOfType(t, 'AWS::CloudWatch::Alarm')) {
    const p = props(r);
    if (p.Namespace === undefined || !sameAsFunctionsNamespace(t, p.Namespace))
      problems.push(`alarm ${id}: Namespace must be the functions' SENTINEL_METRICS_NAMESPACE (default Sentinel)`);
    if (p.MetricName !== 'Incidents') problems.push(`alarm ${id}: MetricName must be Incidents`);
    const dim = asList(p.Dimensions).find((d) => isObj(d) && d.Name === 'FunctionName');
    if (!isObj(dim)) problems.push(`alarm ${id}: needs the FunctionName dimension`);
    else if (!protectedNames.some((n) => JSON.stringify(n) === JSON.stringify(dim.Value)))
      problems.push(`alarm ${id}: FunctionName dimension must name a protected function of this template`);
    if (!asList(p.AlarmActions).some((a) => topics.has(refName(a) ?? '')))
      problems.push(`alarm ${id}: must notify the alert topic`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// references: dangling names and cycles

const PSEUDO = /^AWS::/;

/** Names referenced by `!Ref` anywhere inside a value. */
function collectRefs(v: Json | undefined): string[] {
  const out: string[] = [];
  const walk = (x: Json | undefined): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (isObj(x)) {
      if (typeof x.Ref === 'string') out.push(x.Ref);
      Object.values(x).forEach(walk);
    }
  };
  walk(v);
  return out;
}

/** `${Name}` / `${Name.Attr}` in a Sub string; `${!Literal}` is an escape, not a reference. */
function subVariables(s: string): string[] {
  return [...s.matchAll(/\$\{([^!}][^}]*)\}/g)].map((m) => m[1].trim().split('.')[0]);
}

/** Logical names a value depends on: Ref, GetAtt, Sub variables (minus its own map), If/Condition names. */
function dependencies(v: Json | undefined): string[] {
  const out: string[] = [];
  const walk = (x: Json | undefined): void => {
    if (Array.isArray(x)) {
      x.forEach(walk);
      return;
    }
    if (!isObj(x)) return;
    for (const [k, val] of Object.entries(x)) {
      if (k === 'Ref' && typeof val === 'string') out.push(val);
      else if (k === 'Fn::GetAtt') {
        const target = getAttTarget(x);
        if (target) out.push(target);
        walk(val);
      } else if (k === 'Fn::Sub') {
        const [text, vars] = Array.isArray(val) ? [val[0], val[1]] : [val, undefined];
        const local = new Set(isObj(vars) ? Object.keys(vars) : []);
        if (typeof text === 'string') out.push(...subVariables(text).filter((n) => !local.has(n)));
        walk(vars);
      } else if (k === 'Fn::If' && Array.isArray(val)) {
        if (typeof val[0] === 'string') out.push(val[0]);
        val.slice(1).forEach(walk);
      } else if (k === 'Condition' && typeof val === 'string') out.push(val);
      else walk(val);
    }
  };
  walk(v);
  return out.filter((n) => !PSEUDO.test(n));
}

/**
 * The dependency graph CloudFormation builds: parameters, conditions and resources as nodes; edges for Ref, GetAtt,
 * Sub, If/Condition and DependsOn. SAM functions without a Role get the role SAM generates (`<Function>Role`), which
 * depends on the policies listed in the function's Policies, and the function depends on it.
 */
export function referenceGraph(t: Template): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const add = (from: string, to: Iterable<string>) => {
    const set = graph.get(from) ?? new Set<string>();
    for (const n of to) set.add(n);
    graph.set(from, set);
  };
  for (const name of Object.keys(section(t, 'Parameters'))) add(name, []);
  for (const [name, c] of Object.entries(section(t, 'Conditions'))) add(name, dependencies(c));
  for (const [id, r] of Object.entries(section(t, 'Resources'))) {
    if (!isObj(r)) continue;
    const { DependsOn, ...rest } = r;
    add(id, [...dependencies(rest), ...asList(DependsOn).map(String)]);
    if (typeOf(r) === 'AWS::Serverless::Function' && props(r).Role === undefined) {
      const role = `${id}Role`;
      add(role, dependencies(props(r).Policies));
      add(id, [role]);
    }
  }
  return graph;
}

/** References to names that are neither parameters, conditions, resources nor pseudo parameters. */
export function checkDanglingReferences(t: Template): string[] {
  const graph = referenceGraph(t);
  const problems: string[] = [];
  for (const [from, tos] of graph)
    for (const to of tos) if (!graph.has(to)) problems.push(`${from} references ${to}, which is not defined`);
  for (const [name, o] of Object.entries(section(t, 'Outputs')))
    for (const to of dependencies(o))
      if (!graph.has(to)) problems.push(`output ${name} references ${to}, which is not defined`);
  return problems;
}

/** Every dependency cycle (CloudFormation rejects them), each reported once as `A → B → A`. */
export function checkAcyclic(t: Template): string[] {
  const graph = referenceGraph(t);
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'active');
    stack.push(node);
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'active') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' → '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles.map((c) => `dependency cycle: ${c}`);
}

/** All checks, in one list. */
export function checkTemplate(t: Template, spec: readonly ConfigVar[] = CONFIG_SPEC): string[] {
  return [
    ...checkResources(t),
    ...checkLeastPrivilege(t),
    ...checkEnvironment(t, spec),
    ...checkSecrets(t, spec),
    ...checkAlarm(t),
    ...checkDanglingReferences(t),
    ...checkAcyclic(t),
  ];
}
