import { formatDuration, parseDuration } from '../../src/config/duration';

const EXPECTED = 'expected a number followed by a unit (y, w, d, h, m, s, ms), such as "15s" or "1m30s"';

describe('parseDuration', () => {
  test.each<[string, number]>([
    ['500ms', 500],
    ['15s', 15_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['1m30s', 90_000],
    ['1h0m5s', 3_605_000],
    ['2s500ms', 2_500],
    ['1y2w3d4h5m6s7ms', 31_536_000_000 + 2 * 604_800_000 + 3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000 + 6_000 + 7],
    ['0s', 0],
    ['90s', 90_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each<[string, string]>([
    ['', `invalid duration "": empty; ${EXPECTED}`],
    ['15', `invalid duration "15": missing unit (did you mean "15s"?); ${EXPECTED}`],
    ['0', `invalid duration "0": missing unit (did you mean "0s"?); ${EXPECTED}`],
    ['-5s', `invalid duration "-5s": must not be negative; ${EXPECTED}`],
    ['5x', `invalid duration "5x": unknown unit "x"; ${EXPECTED}`],
    ['10sec', `invalid duration "10sec": unknown unit "sec"; ${EXPECTED}`],
    ['5M', `invalid duration "5M": unknown unit "M"; ${EXPECTED}`],
    ['30s1m', `invalid duration "30s1m": units must appear in decreasing order (y, w, d, h, m, s, ms), each at most once; ${EXPECTED}`],
    ['1m1m', `invalid duration "1m1m": units must appear in decreasing order (y, w, d, h, m, s, ms), each at most once; ${EXPECTED}`],
    ['1.5m', `invalid duration "1.5m": fractions are not supported (write "1m30s" rather than "1.5m"); ${EXPECTED}`],
    ['15 s', `invalid duration "15 s": must not contain spaces; ${EXPECTED}`],
    [' 15s', `invalid duration " 15s": must not contain spaces; ${EXPECTED}`],
    ['s', `invalid duration "s": not a duration; ${EXPECTED}`],
    ['5s!', `invalid duration "5s!": not a duration; ${EXPECTED}`],
    ['99999999999999y', `invalid duration "99999999999999y": too large; ${EXPECTED}`],
  ])('%j is rejected', (text, message) => {
    expect(() => parseDuration(text)).toThrow(new Error(message));
  });
});

describe('formatDuration', () => {
  test.each<[number, string]>([
    [0, '0s'],
    [500, '500ms'],
    [15_000, '15s'],
    [90_000, '1m30s'],
    [300_000, '5m'],
    [3_600_000, '1h'],
    [86_400_000 + 1, '1d1ms'],
    [604_800_000 + 3_600_000, '1w1h'],
    [31_536_000_000, '1y'],
    [-1_500, '-1s500ms'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test.each(['500ms', '15s', '1m30s', '1y2w3d4h5m6s7ms', '0s'])('parse(format(parse(%s))) round-trips', (text) => {
    expect(formatDuration(parseDuration(text))).toBe(text);
  });
});
