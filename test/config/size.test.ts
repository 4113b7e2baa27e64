import { formatByteSize, parseByteSize } from '../../src/config/size';

const EXPECTED = 'expected a positive integer number of bytes or a size such as "16MiB" (units B, KB, MB, GB, KiB, MiB, GiB)';

describe('parseByteSize', () => {
  test.each<[string | number, number]>([
    [1, 1],
    [16777216, 16 * 1024 * 1024],
    ['16MiB', 16 * 1024 * 1024],
    ['512KiB', 512 * 1024],
    ['1GiB', 1024 ** 3],
    ['10MB', 10_000_000],
    ['2KB', 2000],
    ['100B', 100],
    ['100', 100],
    ['4 MiB', 4 * 1024 * 1024],
  ])('%j is %d bytes', (given, bytes) => {
    expect(parseByteSize(given)).toBe(bytes);
  });

  test.each<[string | number, string]>([
    [0, `invalid size 0: ${EXPECTED}`],
    [-1, `invalid size -1: ${EXPECTED}`],
    [1.5, `invalid size 1.5: ${EXPECTED}`],
    ['16M', `invalid size "16M": ${EXPECTED}`],
    ['lots', `invalid size "lots": ${EXPECTED}`],
    ['0MiB', `invalid size "0MiB": ${EXPECTED}`],
    ['', `invalid size "": ${EXPECTED}`],
  ])('%j is rejected', (given, message) => {
    expect(() => parseByteSize(given)).toThrow(new Error(message));
  });
});

describe('formatByteSize', () => {
  test.each<[number, string]>([
    [16 * 1024 * 1024, '16MiB'],
    [1536, '1536B'],
    [2048, '2KiB'],
    [1024 ** 3, '1GiB'],
    [1000, '1000B'],
  ])('%d is %s', (bytes, text) => {
    expect(formatByteSize(bytes)).toBe(text);
  });
});
