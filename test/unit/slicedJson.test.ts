import { runAtOnce, type Steps } from '../../src/slices';
import { parseJsonSteps } from '../../src/upstream/slicedJson';
import { utf8Steps } from '../../src/upstream/slicedUtf8';

/** Runs steps to the end, counting the yields (the turns runInSlices could give the event loop). */
function counted<T>(steps: Steps<T>): { yields: number; value: T } {
  let yields = 0;
  for (;;) {
    const step = steps.next();
    if (step.done) return { yields, value: step.value };
    yields += 1;
  }
}

function sliced(text: string): unknown {
  return runAtOnce(parseJsonSteps(text));
}

/** Both parsers' outcome: the value, or that it threw a SyntaxError. */
function outcome(parse: (t: string) => unknown, text: string): { value?: unknown; syntaxError?: true } {
  try {
    return { value: parse(text) };
  } catch (err) {
    expect(err).toBeInstanceOf(SyntaxError);
    return { syntaxError: true };
  }
}

/** A deterministic pseudo-random source (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_STRINGS = ['', 'a"b', 'back\\slash', '\u0000\u001f', 'é中文🙂', '\ud800', '\udc00x', '</script>', '__proto__', 'constructor', 'x'.repeat(40)];
const ODD_NUMBERS = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456789012345680000, Number.MAX_SAFE_INTEGER + 2, 5e-324, 1.7976931348623157e308];

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 4 ? 5 : 7));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return ODD_NUMBERS[Math.floor(next() * ODD_NUMBERS.length)] * (next() < 0.5 ? 1 : -1);
    case 3:
      return (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20);
    case 4:
      return ODD_STRINGS[Math.floor(next() * ODD_STRINGS.length)] + String.fromCharCode(Math.floor(next() * 0xffff));
    case 5:
      return Array.from({ length: Math.floor(next() * 5) }, () => randomValue(next, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(next() * 5); i > 0; i--) o[ODD_STRINGS[Math.floor(next() * ODD_STRINGS.length)]] = randomValue(next, depth + 1);
      return o;
    }
  }
}

/** JSON text of `value` with random (legal) whitespace between tokens. */
function spaced(value: unknown, next: () => number): string {
  const ws = () => [' ', '\n', '\t', '\r', ''][Math.floor(next() * 5)].repeat(Math.floor(next() * 3));
  if (Array.isArray(value)) return `[${ws()}${value.map((v) => spaced(v, next)).join(`${ws()},${ws()}`)}${ws()}]`;
  if (value && typeof value === 'object') {
    const members = Object.entries(value).map(([k, v]) => `${ws()}${JSON.stringify(k)}${ws()}:${ws()}${spaced(v, next)}`);
    return `{${members.join(`${ws()},`)}${ws()}}`;
  }
  return `${ws()}${JSON.stringify(value)}${ws()}`;
}

describe('parseJsonSteps (JSON.parse in slices)', () => {
  it('gives what JSON.parse gives for random documents with odd strings, numbers and whitespace', () => {
    const next = random(20261129);
    for (let i = 0; i < 2000; i++) {
      const text = spaced(randomValue(next, 0), next);
      expect(sliced(text)).toEqual(JSON.parse(text));
    }
  });

  it.each([
    ['escapes', String.raw`"\"\\\/\b\f\n\r\t\u0041\ud83d\ude00\ud800"`],
    ['number forms', '[0, -0, 1.5e3, 1E-2, -12.5e+2, 1e400, -1e400, 9007199254740993]'],
    ['duplicate keys (the last wins)', '{"a":1,"a":2,"b":{"c":1},"b":3}'],
    ['deeply nested arrays', `${'['.repeat(500)}1${']'.repeat(500)}`],
    ['empty containers', '{"a":[],"b":{},"c":[{}],"d":[[]]}'],
    ['surrounding whitespace', ' \n\t\r{"a" : [ 1 , 2 ] }\r\n '],
  ])('agrees with JSON.parse on %s', (_, text) => {
    expect(sliced(text)).toEqual(JSON.parse(text));
  });

  it('makes "__proto__" an own member, as JSON.parse does, never the prototype', () => {
    const text = '{"__proto__":{"polluted":true},"a":1}';
    const value = sliced(text) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(Object.keys(JSON.parse(text)));
    expect(value.polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: true });
  });

  it.each([
    '',
    ' ',
    '{',
    '[1,]',
    '{"a":1,}',
    '{"a" 1}',
    '{a:1}',
    '01',
    '1.',
    '-',
    '+1',
    '.5',
    'tru',
    'nul',
    '"unterminated',
    '"bad \\x escape"',
    '"raw \u0001 control"',
    '[1] 2',
    '{"a":1}}',
    "'single'",
    'NaN',
    '[1 2]',
    '"\\"',
  ])('refuses what JSON.parse refuses: %j', (text) => {
    expect(outcome(JSON.parse, text)).toEqual({ syntaxError: true });
    expect(outcome(sliced, text)).toEqual({ syntaxError: true });
  });

  it('yields while it walks a large body', () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ({ name: `item-with-a-long-name-${i}`, replicas: i }));
    const text = JSON.stringify({ processes: { items } });
    const { yields, value } = counted(parseJsonSteps(text));
    expect(yields).toBeGreaterThan(text.length / (64 * 1024));
    expect(value).toEqual(JSON.parse(text));
  });
});

describe('utf8Steps (UTF-8 decoding in slices)', () => {
  it('decodes like toString, characters split across pieces included', () => {
    // A 3-byte and a 4-byte character straddle the first two 512 KiB piece boundaries.
    const piece = 512 * 1024;
    const mixed = Array.from({ length: 50_000 }, (_, i) => ['a', 'é', '中', '🙂'][i % 4]).join('');
    const text = `${'a'.repeat(piece - 1)}中${'b'.repeat(piece - 4)}🙂${mixed}`;
    const bytes = Buffer.from(text, 'utf8');
    expect(bytes.subarray(piece - 1, piece + 2).toString()).toBe('中');
    expect(bytes.subarray(2 * piece - 2, 2 * piece + 2).toString()).toBe('🙂');
    const { yields, value } = counted(utf8Steps(bytes));
    expect(yields).toBeGreaterThan(1);
    expect(value).toBe(bytes.toString('utf8'));
    // Invalid bytes become U+FFFD, as with toString.
    const bad = Buffer.concat([bytes.subarray(0, 512 * 1024 - 1), Buffer.from([0xff, 0xc3]), bytes.subarray(512 * 1024)]);
    expect(runAtOnce(utf8Steps(bad))).toBe(bad.toString('utf8'));
  });
});
