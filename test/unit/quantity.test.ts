/**
 * Kubernetes quantities read as Kubernetes reads them (apimachinery resource.ParseQuantity and its
 * tests), converted to cores and bytes as kube-state-metrics does.
 */
import { bytesOfMebibytes, coresOfMillicores, cpuCoresOf, memoryBytesOf, parseQuantityNanos } from '../../src/model/quantity';

const G = 10n ** 9n;

describe('parseQuantityNanos', () => {
  it.each<[string, bigint]>([
    ['0', 0n],
    ['2', 2n * G],
    ['0.5', G / 2n],
    ['1073741824', 1073741824n * G],
    ['+1', G],
    ['-1', -G],
    ['.5', G / 2n],
    ['1.', G],
    ['4000m', 4n * G],
    ['500m', G / 2n],
    ['100u', 100_000n],
    ['5n', 5n],
    ['1k', 1000n * G],
    ['512M', 512_000_000n * G],
    ['1G', G * G],
    ['1T', 10n ** 12n * G],
    ['1P', 10n ** 15n * G],
    ['1E', 10n ** 18n * G],
    ['1Ki', 1024n * G],
    ['2048Mi', 2048n * 2n ** 20n * G],
    ['1Gi', 2n ** 30n * G],
    ['1.5Gi', 3n * 2n ** 29n * G],
    ['0.5Ki', 512n * G],
    ['1Ti', 2n ** 40n * G],
    ['1Pi', 2n ** 50n * G],
    ['1e3', 1000n * G],
    ['1E3', 1000n * G],
    ['1e+3', 1000n * G],
    ['2.5e-1', G / 4n],
    ['1.G', G * G],
    // Rounded up to a nano-unit, as Kubernetes does for any non-zero amount.
    ['0.1n', 1n],
    ['1e-30', 1n],
    ['1.0000000001', G + 1n],
    // Kubernetes' scanner reads a missing number as 0, so a bare suffix is a zero quantity.
    ['Gi', 0n],
    ['e3', 0n],
    // Capped at 2^63-1 units.
    ['8Ei', (2n ** 63n - 1n) * G],
    ['1e100', (2n ** 63n - 1n) * G],
  ])('%s → %s nano-units', (text, nanos) => {
    expect(parseQuantityNanos(text)).toBe(nanos);
  });

  it.each(['', ' 1', '1 ', '1 Gi', 'bogus', '1Gb', '1gi', '1K', '1mi', '1e', '1e3.5', '1.5.5', '--1', '1-', '0x10', '1Gi5', '1e99999999999999999999', '1'.repeat(101)])(
    'refuses %j',
    (text) => {
      expect(parseQuantityNanos(text)).toBeUndefined();
    },
  );
});

describe('cpuCoresOf / memoryBytesOf', () => {
  it.each<[string, number]>([
    ['4000m', 4],
    ['2', 2],
    ['0.5', 0.5],
    ['500m', 0.5],
    ['1.5', 1.5],
    ['1e3', 1000],
    ['250m', 0.25],
    ['1n', 0.001], // rounded up to a millicore
  ])('cpu %s → %d cores', (text, cores) => {
    expect(cpuCoresOf(text)).toBe(cores);
  });

  it.each<[string, number]>([
    ['1Gi', 1073741824],
    ['2048Mi', 2147483648],
    ['512M', 512000000],
    ['1073741824', 1073741824],
    ['1e3', 1000],
    ['1.5Gi', 1610612736],
    ['500m', 1], // rounded up to a byte
  ])('memory %s → %d bytes', (text, bytes) => {
    expect(memoryBytesOf(text)).toBe(bytes);
  });

  it('refuses unparsable and negative quantities', () => {
    expect(cpuCoresOf('bogus')).toBeUndefined();
    expect(memoryBytesOf('bogus')).toBeUndefined();
    expect(cpuCoresOf('-1')).toBeUndefined();
    expect(memoryBytesOf('-1Gi')).toBeUndefined();
  });

  it('answers the same when asked again, each conversion on its own, past any number of distinct quantities', () => {
    // The conversions remember what they read: cpu and memory must not share answers, an
    // unparsable quantity must stay unparsable, and a fleet of distinct quantities must not
    // change what a known one reads as.
    for (let round = 0; round < 2; round++) {
      expect([cpuCoresOf('500m'), memoryBytesOf('500m')]).toEqual([0.5, 1]);
      expect([cpuCoresOf('2'), memoryBytesOf('2')]).toEqual([2, 2]);
      expect([cpuCoresOf('bogus'), memoryBytesOf('-1Gi')]).toEqual([undefined, undefined]);
      for (let i = 1; i <= 5000; i++) {
        expect(cpuCoresOf(`${i}m`)).toBe(i / 1000);
        expect(memoryBytesOf(`${i}Ki`)).toBe(i * 1024);
      }
    }
  });

  it('converts resource_limit_quota units', () => {
    expect(coresOfMillicores(4000)).toBe(4);
    expect(coresOfMillicores(250)).toBe(0.25);
    expect(bytesOfMebibytes(2048)).toBe(2147483648);
  });
});
