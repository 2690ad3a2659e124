import fc from 'fast-check';
import type { InputString } from '../input/extract';
import { detectCode, ND_FUNC_MARKER, unescapeJs } from './code';
import { lexJs, Tok } from './js-lexer';

const I = (...values: string[]): InputString[] => values.map((value, i) => ({ path: `$.body.v${i}`, value }));

describe('lexJs', () => {
  test('strings, templates with nesting, regexes, comments, numbers', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text under test
    const src = 'a = `x${ {b: "}"} }y` / 2; r = /[/]x/g; // c\n1e+5';
    const lex = lexJs(src);
    const toks = lex.start.map((s, i) => [src.slice(s, lex.end[i]), lex.kind[i]]);
    expect(toks).toContainEqual(['`x${', Tok.Template]);
    expect(toks).toContainEqual(['"}"', Tok.Str]);
    expect(toks).toContainEqual(['}y`', Tok.Template]);
    expect(toks).toContainEqual(['/[/]x/g', Tok.Regex]);
    expect(toks).toContainEqual(['// c', Tok.Comment]);
    expect(toks).toContainEqual(['1e+5', Tok.Num]);
    expect(toks).toContainEqual(['/', Tok.Punct]); // division after a template
  });
});

describe('detectCode', () => {
  test.each([
    [
      'return 1 + process.mainModule.require("child_process").execSync("id")',
      '1 + process.mainModule.require("child_process").execSync("id")',
    ],
    ['return "a" + (require("fs")) + ""', 'a" + (require("fs")) + "'],
    ["x = 'hi'; process.exit(1); ''", "hi'; process.exit(1); '"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text under test
    ['return `${process.env.AWS_SECRET_ACCESS_KEY}`', '${process.env.AWS_SECRET_ACCESS_KEY}'],
    ['return a || b', '||'],
    ['return 1 // rest', '1 // rest'],
    ['return x; /* y', '/* y'],
  ])('%j with input %j is code injection', (code, input) => {
    const v = detectCode(code, I('zz', input), 'Function');
    expect(v?.category).toBe('code_injection');
    expect(v?.kind).toBe('js_syntax');
    expect([v?.severity, v?.confidence]).toEqual(['critical', 'high']);
    expect(v?.input?.path).toBe('$.body.v1');
  });

  test.each([
    ['return "hello world; process.exit()"', 'hello world; process.exit()'], // inside an app-written string
    ["return 'it\\'s'", "it\\'s"],
    ['return 12345', '12345'], // a number literal
    ['return obj.name', 'name'], // one identifier
    ['return "abc"', '"abc"'], // the whole literal
    // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text under test
    ['return `a ${x} b`', 'a '], // template text
    ['return x + 1', 'x'], // 1-char input
    ['return 1 + 2', '1 + 3'], // not present
    ['// just a comment with evil(); inside\nreturn 1', 'evil(); inside'],
  ])('%j with input %j is not flagged', (code, input) => {
    expect(detectCode(code, I(input), 'Function')).toBeUndefined();
  });

  test('node-serialize payloads', () => {
    const payload = `${ND_FUNC_MARKER}function(){require('child_process').exec('id')}()`;
    // node-serialize strips the marker and evaluates the rest wrapped in parentheses
    const v = detectCode(`(function(){require('child_process').exec('id')}())`, I(payload), 'eval');
    expect([v?.kind, v?.confidence, v?.input?.path]).toEqual(['deserialization', 'high', '$.body.v0']);
    expect(detectCode(`x = "${ND_FUNC_MARKER}function(){}"`, [], 'vm.runInThisContext')?.kind).toBe('deserialization');
  });
});

describe('detectCode: properties', () => {
  const inputs = fc.array(fc.record({ path: fc.constant('$.p'), value: fc.string({ maxLength: 20 }) }), {
    maxLength: 4,
  });

  test('random code never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), inputs, (code, ins) => void detectCode(code, ins, 'Function')),
      { numRuns: 1000 },
    );
  });

  test('an absent input never correlates', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), fc.string({ minLength: 2, maxLength: 20 }), (code, value) => {
        fc.pre(!code.includes(value) && !value.includes(ND_FUNC_MARKER));
        expect(detectCode(code, [{ path: '$.x', value }], 'Function')?.input).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  test('an input embedded with JSON.stringify is never flagged', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 2, maxLength: 40 }), (value) => {
        const code = `return ${JSON.stringify(value)}.length + 1`;
        // the input occurs raw only if JSON.stringify left it unchanged
        expect(detectCode(code, [{ path: '$.x', value }], 'Function')).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });
});

describe('coincidences with the application own literals', () => {
  test('a short input that the app quoted and that matches the literal delimiters is not flagged', () => {
    expect(detectCode('return " \\"".length + 1', [{ path: '$.x', value: ' "' }], 'Function')).toBeUndefined();
  });
  test('the same input quoted once and interpolated raw elsewhere is still an injection', () => {
    const value = '1; process.exit(1); //';
    expect(
      detectCode(`const a = ${JSON.stringify(value)}; return ${value}`, [{ path: '$.x', value }], 'Function')?.kind,
    ).toBe('js_syntax');
  });
  test('unescapeJs', () => {
    expect(unescapeJs('a\\nb\\x41\\u0042\\u{43}\\"\\\\')).toBe('a\nbABC"\\');
  });
});
