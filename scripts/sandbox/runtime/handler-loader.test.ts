import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MalformedHandlerName } from './errors';
import { folderIsTypeModule, HANDLER_STREAMING, handlerMetadata, parseHandlerString } from './handler-loader';

describe('parseHandlerString', () => {
  test.each([
    ['index.handler', { moduleRoot: '', moduleName: 'index', handlerPath: 'handler' }],
    ['src/fns/index.handler', { moduleRoot: 'src/fns/', moduleName: 'index', handlerPath: 'handler' }],
    ['/opt/x/y/mod.handler', { moduleRoot: '/opt/x/y/', moduleName: 'mod', handlerPath: 'handler' }],
    ['index.a.b.c', { moduleRoot: '', moduleName: 'index', handlerPath: 'a.b.c' }],
    [
      'newrelic-lambda-wrapper.handler',
      { moduleRoot: '', moduleName: 'newrelic-lambda-wrapper', handlerPath: 'handler' },
    ],
  ])('%s', (input, expected) => {
    expect(parseHandlerString(input)).toEqual(expected);
  });

  test.each(['../index.handler', 'a/../b.handler', 'index..handler'])('"..": %s is malformed', (input) => {
    expect(() => parseHandlerString(input)).toThrow(MalformedHandlerName);
    expect(() => parseHandlerString(input)).toThrow(/is not a valid handler name/);
  });

  test.each(['index', 'src/index', ''])('no export part: %j is a bad handler', (input) => {
    expect(() => parseHandlerString(input)).toThrow('Bad handler');
  });

  test('errors carry the Runtime.* name', () => {
    try {
      parseHandlerString('index');
      throw new Error('unreachable');
    } catch (e) {
      expect((e as Error).name).toBe('Runtime.MalformedHandlerName');
    }
  });
});

describe('folderIsTypeModule', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'type-walk-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('nearest package.json decides', () => {
    writeFileSync(join(root, 'package.json'), '{"type":"module"}');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    expect(folderIsTypeModule(join(root, 'a', 'b'))).toBe(true);
    writeFileSync(join(root, 'a', 'package.json'), '{"name":"cjs"}');
    expect(folderIsTypeModule(join(root, 'a', 'b'))).toBe(false);
  });

  test('the walk stops at a node_modules directory', () => {
    writeFileSync(join(root, 'package.json'), '{"type":"module"}');
    mkdirSync(join(root, 'node_modules', 'pkg'), { recursive: true });
    expect(folderIsTypeModule(join(root, 'node_modules', 'pkg'))).toBe(false);
  });

  test('an unreadable package.json counts as not-module', () => {
    writeFileSync(join(root, 'package.json'), '{not json');
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    expect(folderIsTypeModule(root)).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });
});

describe('handlerMetadata', () => {
  test('async, arity and streaming marks', () => {
    const asyncFn = async (_e: unknown) => 1;
    const cb = (_e: unknown, _c: unknown, _cb: unknown) => undefined;
    expect(handlerMetadata(asyncFn)).toMatchObject({ isAsync: true, argsNum: 1, streaming: false });
    expect(handlerMetadata(cb)).toMatchObject({ isAsync: false, argsNum: 3, streaming: false });
    const streaming = Object.assign(async () => undefined, { [HANDLER_STREAMING]: 'response' });
    expect(handlerMetadata(streaming).streaming).toBe(true);
    const bad = Object.assign(async () => undefined, { [HANDLER_STREAMING]: 'request' });
    expect(() => handlerMetadata(bad)).toThrow('Only response streaming is supported.');
  });
});
