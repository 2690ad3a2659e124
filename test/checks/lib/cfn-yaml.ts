/**
 * Loads a CloudFormation/SAM YAML template into the same plain objects as its JSON form: every short tag
 * (`!Ref X`, `!Sub ...`, `!GetAtt A.B`, ...) becomes its long form (`{ Ref: 'X' }`, `{ 'Fn::Sub': ... }`,
 * `{ 'Fn::GetAtt': ['A', 'B'] }`), so checks only deal with one shape.
 */
import { readFileSync } from 'node:fs';
import { type CollectionTag, parse, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';

/** Short tag name → long key. `Ref` and `Condition` keep their name; the others get the `Fn::` prefix. */
const SHORT_TAGS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  ...Object.fromEntries(
    [
      'And',
      'Base64',
      'Cidr',
      'Equals',
      'FindInMap',
      'GetAtt',
      'GetAZs',
      'If',
      'ImportValue',
      'Join',
      'Length',
      'Not',
      'Or',
      'Select',
      'Split',
      'Sub',
      'ToJsonString',
      'Transform',
    ].map((n) => [n, `Fn::${n}`]),
  ),
};

/** `!GetAtt A.B.C` is short for `[A, B.C]`: the logical id never contains a dot, attribute names may. */
function longForm(key: string, value: unknown): Record<string, unknown> {
  if (key === 'Fn::GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { [key]: dot === -1 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [key]: value };
}

function cfnTags(): (ScalarTag | CollectionTag)[] {
  const tags: (ScalarTag | CollectionTag)[] = [];
  for (const [short, key] of Object.entries(SHORT_TAGS)) {
    const tag = `!${short}`;
    // Children are composed first, so nested short tags are already plain objects when toJSON() runs here.
    tags.push({ tag, resolve: (value: string) => longForm(key, value) });
    tags.push({ tag, collection: 'seq', resolve: (value: YAMLSeq | YAMLMap) => longForm(key, value.toJSON()) });
    tags.push({ tag, collection: 'map', resolve: (value: YAMLSeq | YAMLMap) => longForm(key, value.toJSON()) });
  }
  return tags;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function parseCfnYaml(text: string): Json {
  // Template YAML is YAML 1.1-ish in CloudFormation; unique keys and no aliases are what it accepts.
  return parse(text, { customTags: cfnTags(), uniqueKeys: true, maxAliasCount: 0 }) as Json;
}

export function loadCfnYaml(file: string): Json {
  return parseCfnYaml(readFileSync(file, 'utf8'));
}
