// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation !Sub strings are written ${Name}
/**
 * template.yaml: parsed with every CloudFormation short tag, then checked for the resources Sentinel needs, least
 * privilege, environment variables that exist in CONFIG_SPEC, secrets behind NoEcho, the alarm, and a reference
 * graph without dangling names or cycles. The second half runs the same checks on broken copies of the template to
 * show that each one does catch its problem.
 */
import { join, resolve } from 'node:path';
import { CONFIG_SPEC } from '../../protocol/config';
import { type Json, loadCfnYaml, parseCfnYaml } from './lib/cfn-yaml';
import {
  checkAcyclic,
  checkAlarm,
  checkDanglingReferences,
  checkEnvironment,
  checkLeastPrivilege,
  checkResources,
  checkSecrets,
  checkTemplate,
  isObj,
  referenceGraph,
  type Template,
} from './lib/template-checks';

const root = resolve(__dirname, '../..');
const template = loadCfnYaml(join(root, 'template.yaml')) as Template;

/** A deep copy to mutate: the checks must see the change, the original must stay intact. */
const copy = (): Template => structuredClone(template);

/** Path-based access for the mutations below (`Resources.X.Properties...`). */
function at(t: Template, path: string): { [key: string]: Json } {
  let node: Json = t;
  for (const key of path.split('.')) {
    const next: Json | undefined = Array.isArray(node) ? node[Number(key)] : isObj(node) ? node[key] : undefined;
    if (next === undefined) throw new Error(`no ${key} in ${path}`);
    node = next;
  }
  if (!isObj(node)) throw new Error(`${path} is not an object`);
  return node;
}
const POLICY = 'Resources.SentinelProtectionPolicy.Properties.PolicyDocument.Statement';
const statement = (t: Template, sid: string) => {
  const list = (at(t, 'Resources.SentinelProtectionPolicy.Properties.PolicyDocument').Statement ?? []) as Json[];
  const found = list.find((s) => isObj(s) && s.Sid === sid);
  if (!isObj(found)) throw new Error(`no statement ${sid} in ${POLICY}`);
  return found;
};
const envOf = (t: Template) => at(t, 'Resources.ExampleFunction.Properties.Environment.Variables');

describe('cfn-yaml loader', () => {
  test('turns every short tag into its long form, nested ones included', () => {
    const parsed = parseCfnYaml(
      [
        'a: !Ref X',
        'b: !GetAtt Res.Attr.Sub',
        'c: !GetAtt [Res, Arn]',
        'd: !Sub [ "${P}-${AWS::Region}", { P: !Join [",", [!Ref Y, !Select [0, !GetAZs ""]]] } ]',
        'e: !If [Cond, !Ref AWS::NoValue, !Base64 text]',
        'f: !Not [!Equals [!Ref Z, ""]]',
        'g: !And [!Condition C1, !Or [!Condition C2, !Condition C3]]',
        'h: !FindInMap [M, !Ref K, v]',
        'i: !Split [",", !ImportValue exported]',
        'j: !Cidr [10.0.0.0/16, 4, 8]',
        'k: !Sub',
        '  - "${x}"',
        '  - x: !Ref W',
      ].join('\n'),
    );
    expect(parsed).toEqual({
      a: { Ref: 'X' },
      b: { 'Fn::GetAtt': ['Res', 'Attr.Sub'] },
      c: { 'Fn::GetAtt': ['Res', 'Arn'] },
      d: {
        'Fn::Sub': [
          '${P}-${AWS::Region}',
          { P: { 'Fn::Join': [',', [{ Ref: 'Y' }, { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }]] } },
        ],
      },
      e: { 'Fn::If': ['Cond', { Ref: 'AWS::NoValue' }, { 'Fn::Base64': 'text' }] },
      f: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Z' }, ''] }] },
      g: { 'Fn::And': [{ Condition: 'C1' }, { 'Fn::Or': [{ Condition: 'C2' }, { Condition: 'C3' }] }] },
      h: { 'Fn::FindInMap': ['M', { Ref: 'K' }, 'v'] },
      i: { 'Fn::Split': [',', { 'Fn::ImportValue': 'exported' }] },
      j: { 'Fn::Cidr': ['10.0.0.0/16', 4, 8] },
      k: { 'Fn::Sub': ['${x}', { x: { Ref: 'W' } }] },
    });
  });

  test('rejects duplicate keys (CloudFormation does too)', () => {
    expect(() => parseCfnYaml('a: 1\na: 2\n')).toThrow();
  });
});

describe('template.yaml', () => {
  test('passes every check', () => {
    expect(checkTemplate(template)).toEqual([]);
  });

  test('has the resources and wiring the product relies on', () => {
    expect(template.Transform).toBe('AWS::Serverless-2016-10-31');
    const fn = at(template, 'Resources.ExampleFunction.Properties');
    expect(fn.Runtime).toBe('nodejs22.x');
    expect(fn.Layers).toEqual([{ Ref: 'SentinelLayer' }]);
    expect(fn.Policies).toEqual([{ Ref: 'SentinelProtectionPolicy' }]);
    expect(envOf(template).AWS_LAMBDA_EXEC_WRAPPER).toBe('/opt/sentinel-wrapper');
    expect(at(template, 'Parameters.SlackWebhookUrl').NoEcho).toBe(true);
    expect(at(template, 'Resources.AlertEmailSubscription').Condition).toBe('HasAlertEmail');
    // The function's own ARN comes from the name parameter, never from !GetAtt of the function.
    expect(statement(template, 'SentinelRespondOnProtectedFunction').Resource).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${ProtectedFunctionName}' },
    ]);
    expect(fn.FunctionName).toEqual({ Ref: 'ProtectedFunctionName' });
    const graph = referenceGraph(template);
    expect([...(graph.get('SentinelProtectionPolicy') ?? [])].sort()).toEqual(
      ['IncidentTable', 'MetricsNamespace', 'ProtectedFunctionName', 'AlertTopic'].sort(),
    );
  });

  test('every SENTINEL_* variable in the template exists in CONFIG_SPEC', () => {
    const known = new Set(CONFIG_SPEC.map((v) => v.name));
    const used = Object.keys(envOf(template)).filter((k) => k.startsWith('SENTINEL_'));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((k) => !known.has(k))).toEqual([]);
    expect(checkEnvironment(template)).toEqual([]);
  });
});

describe('the checks catch broken templates', () => {
  test('a wildcard Lambda action', () => {
    const t = copy();
    (statement(t, 'SentinelRespondOnProtectedFunction').Action as Json[]).push('lambda:*');
    expect(checkLeastPrivilege(t)).toEqual(
      expect.arrayContaining([expect.stringContaining('wildcard action lambda:*')]),
    );
  });

  test('a Lambda action Sentinel does not need', () => {
    const t = copy();
    (statement(t, 'SentinelRespondOnProtectedFunction').Action as Json[]).push('lambda:InvokeFunction');
    expect(checkLeastPrivilege(t)).toEqual([expect.stringContaining('lambda:InvokeFunction is not needed')]);
  });

  test('Lambda actions on every function (*) or on a name prefix', () => {
    const star = copy();
    statement(star, 'SentinelRespondOnProtectedFunction').Resource = '*';
    expect(checkLeastPrivilege(star).join('\n')).toMatch(/Lambda resource "\*" is not the protected function's ARN/);
    const prefix = copy();
    statement(prefix, 'SentinelRespondOnProtectedFunction').Resource = {
      'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${ProtectedFunctionName}*',
    };
    expect(checkLeastPrivilege(prefix).join('\n')).toMatch(/is not the protected function's ARN/);
  });

  test('a Scan on the table, a missing namespace condition, a missing permission', () => {
    const t = copy();
    (statement(t, 'SentinelRecordIncidents').Action as Json[]).push('dynamodb:Scan');
    delete statement(t, 'SentinelMetrics').Condition;
    statement(t, 'SentinelAlert').Action = 'sns:ListTopics';
    const problems = checkLeastPrivilege(t).join('\n');
    expect(problems).toMatch(/DynamoDB action dynamodb:Scan is not allowed/);
    expect(problems).toMatch(/PutMetricData needs Condition StringEquals cloudwatch:namespace/);
    expect(problems).toMatch(/action sns:Publish is not granted/);
  });

  test('an environment variable missing from the schema, an internal one, an invalid literal', () => {
    const t = copy();
    envOf(t).SENTINEL_NOT_A_REAL_SETTING = 'x';
    envOf(t).SENTINEL_QUARANTINE = '{}';
    envOf(t).SENTINEL_METRICS = 'sometimes';
    expect(checkEnvironment(t)).toEqual([
      'ExampleFunction: SENTINEL_METRICS=sometimes: invalid value for SENTINEL_METRICS; using the default "emf" (accepted: emf | api | off)',
      'ExampleFunction: SENTINEL_NOT_A_REAL_SETTING is not in protocol/config.ts CONFIG_SPEC',
      'ExampleFunction: SENTINEL_QUARANTINE is set by Sentinel, not by users',
    ]);
  });

  test('a variable that the schema lost (template and spec checked against each other)', () => {
    const shrunk = CONFIG_SPEC.filter((v) => v.name !== 'SENTINEL_INCIDENT_TABLE');
    expect(checkEnvironment(template, shrunk)).toEqual([
      'ExampleFunction: SENTINEL_INCIDENT_TABLE is not in protocol/config.ts CONFIG_SPEC',
    ]);
  });

  test('a parameter that allows a value the variable rejects; a function without the wrapper', () => {
    const t = copy();
    (at(t, 'Parameters.SentinelMode').AllowedValues as Json[]).push('panic');
    delete envOf(t).AWS_LAMBDA_EXEC_WRAPPER;
    expect(checkEnvironment(t)).toEqual([
      'ExampleFunction: parameter SentinelMode allows panic, which SENTINEL_MODE rejects',
      'ExampleFunction: AWS_LAMBDA_EXEC_WRAPPER must be /opt/sentinel-wrapper',
    ]);
  });

  test('a self !GetAtt cycle: the policy names the function that attaches it', () => {
    const t = copy();
    statement(t, 'SentinelRespondOnProtectedFunction').Resource = { 'Fn::GetAtt': ['ExampleFunction', 'Arn'] };
    expect(checkAcyclic(t)).toEqual([
      'dependency cycle: ExampleFunction → ExampleFunctionRole → SentinelProtectionPolicy → ExampleFunction',
    ]);
  });

  test('a resource that references itself, and a DependsOn loop', () => {
    const self = copy();
    envOf(self).SELF_ARN = { 'Fn::GetAtt': ['ExampleFunction', 'Arn'] };
    expect(checkAcyclic(self)).toEqual(['dependency cycle: ExampleFunction → ExampleFunction']);
    const loop = copy();
    at(loop, 'Resources.AlertTopic').DependsOn = 'IncidentAlarm';
    expect(checkAcyclic(loop)).toEqual(['dependency cycle: AlertTopic → IncidentAlarm → AlertTopic']);
    // A Sub variable counts as a reference too.
    const sub = copy();
    at(sub, 'Resources.AlertTopic.Properties').DisplayName = { 'Fn::Sub': 'alerts for ${IncidentAlarm.Arn}' };
    expect(checkAcyclic(sub)).toEqual(['dependency cycle: AlertTopic → IncidentAlarm → AlertTopic']);
  });

  test('a reference to a name that does not exist', () => {
    const t = copy();
    at(t, 'Resources.IncidentAlarm.Properties').Namespace = { Ref: 'MetricsNamespce' };
    expect(checkDanglingReferences(t)).toEqual(['IncidentAlarm references MetricsNamespce, which is not defined']);
  });

  test('the Slack webhook without NoEcho, or as a literal', () => {
    const t = copy();
    delete at(t, 'Parameters.SlackWebhookUrl').NoEcho;
    expect(checkSecrets(t)).toEqual([
      'parameter SlackWebhookUrl (feeds SENTINEL_SLACK_WEBHOOK_URL) needs NoEcho: true',
    ]);
    const literal = copy();
    envOf(literal).SENTINEL_SLACK_WEBHOOK_URL = 'https://hooks.example/T000/B000/xyz';
    expect(checkSecrets(literal)).toEqual([
      'ExampleFunction: SENTINEL_SLACK_WEBHOOK_URL is a secret and must come from a NoEcho parameter',
    ]);
  });

  test('a table with another TTL attribute or key schema, no PITR; a layer missing a runtime', () => {
    const t = copy();
    const table = at(t, 'Resources.IncidentTable.Properties');
    table.TimeToLiveSpecification = { AttributeName: 'expiresAt', Enabled: true };
    table.KeySchema = [{ AttributeName: 'id', KeyType: 'HASH' }];
    delete table.PointInTimeRecoverySpecification;
    at(t, 'Resources.SentinelLayer.Properties').CompatibleRuntimes = ['nodejs20.x', 'nodejs22.x'];
    expect(checkResources(t)).toEqual([
      'layer SentinelLayer: CompatibleRuntimes lacks nodejs24.x',
      'table IncidentTable: KeySchema must be pk HASH, sk RANGE (is id:HASH)',
      'table IncidentTable: TimeToLiveSpecification must be enabled on attribute ttl',
      'table IncidentTable: point-in-time recovery is off',
    ]);
  });

  test('an alarm on another metric, namespace or function', () => {
    const t = copy();
    const alarm = at(t, 'Resources.IncidentAlarm.Properties');
    alarm.MetricName = 'Findings';
    alarm.Namespace = 'Other';
    alarm.Dimensions = [{ Name: 'FunctionName', Value: 'some-other-function' }];
    expect(checkAlarm(t)).toEqual([
      "alarm IncidentAlarm: Namespace must be the functions' SENTINEL_METRICS_NAMESPACE (default Sentinel)",
      'alarm IncidentAlarm: MetricName must be Incidents',
      'alarm IncidentAlarm: FunctionName dimension must name a protected function of this template',
    ]);
  });

  test('the original template is untouched by the mutations', () => {
    expect(checkTemplate(template)).toEqual([]);
  });
});
