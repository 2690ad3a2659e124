/**
 * The extension may call only the DynamoDB actions template.yaml grants (and never Scan): every command it takes
 * from the AWS SDK's DynamoDB packages must map to one of DYNAMODB_ACTIONS. Catches a new Scan/Delete/Transact call
 * before it fails with AccessDenied in a deployed function.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DYNAMODB_ACTIONS } from './lib/template-checks';

const ROOT = join(__dirname, '..', '..', 'extension', 'src');
/** Document-client and low-level command names → IAM action. */
const ACTION_OF: Record<string, string> = {
  GetCommand: 'dynamodb:GetItem',
  GetItemCommand: 'dynamodb:GetItem',
  PutCommand: 'dynamodb:PutItem',
  PutItemCommand: 'dynamodb:PutItem',
  UpdateCommand: 'dynamodb:UpdateItem',
  UpdateItemCommand: 'dynamodb:UpdateItem',
  QueryCommand: 'dynamodb:Query',
  BatchWriteCommand: 'dynamodb:BatchWriteItem',
  BatchWriteItemCommand: 'dynamodb:BatchWriteItem',
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? sources(join(dir, d.name))
      : d.name.endsWith('.ts') && !d.name.endsWith('.test.ts')
        ? [join(dir, d.name)]
        : [],
  );
}

/** Names taken from @aws-sdk/lib-dynamodb or @aws-sdk/client-dynamodb (require destructuring or import). */
function dynamoNames(text: string): string[] {
  const re =
    /(?:const\s*\{([^}]+)\}\s*=\s*require\(\s*'@aws-sdk\/(?:lib|client)-dynamodb'\s*\)|import\s*(?:type\s*)?\{([^}]+)\}\s*from\s*'@aws-sdk\/(?:lib|client)-dynamodb')/g;
  const out: string[] = [];
  for (const m of text.matchAll(re))
    for (const part of (m[1] ?? m[2]).split(','))
      out.push(
        part
          .replace(/\btype\b/, '')
          .split(/\s+as\s+|:/)[0]
          .trim(),
      );
  return out.filter(Boolean);
}

test('every DynamoDB command the extension uses is an action template.yaml grants (no Scan)', () => {
  const used = new Map<string, string[]>();
  for (const f of sources(ROOT))
    for (const name of dynamoNames(readFileSync(f, 'utf8')).filter((n) => n.endsWith('Command')))
      used.set(name, [...(used.get(name) ?? []), f.slice(ROOT.length + 1)]);
  expect(used.size).toBeGreaterThan(0);
  for (const [name, files] of used) {
    const action = ACTION_OF[name];
    expect({ name, files, action }).toEqual({ name, files, action: expect.any(String) });
    expect(DYNAMODB_ACTIONS as readonly string[]).toContain(action);
  }
  expect([...used.keys()]).toEqual(expect.arrayContaining(['GetCommand', 'PutCommand', 'QueryCommand']));
});

test('the scanner sees multi-line destructuring and flags an unmapped command', () => {
  const names = dynamoNames("const { BatchWriteCommand,\n  ScanCommand } =\n  require('@aws-sdk/lib-dynamodb') as X;");
  expect(names).toEqual(['BatchWriteCommand', 'ScanCommand']);
  expect(ACTION_OF.ScanCommand).toBeUndefined();
});
