/**
 * The gzip splice of /metrics: slices compressed one by one (and kept), joined with the fresh
 * own metrics, must be one standard gzip member whose content is exactly head + the slices.
 */
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { crc32, crc32Combine } from '../../src/metrics/crc32';
import { deflatedSlices } from '../../src/metrics/deflatedSlices';
import { deflatePieces, gzipJoin } from '../../src/metrics/gzip';

describe('crc32 and crc32Combine', () => {
  it.each([
    ['empty', Buffer.alloc(0), 0],
    ['"123456789"', Buffer.from('123456789'), 0xcbf43926],
    ['"The quick brown fox jumps over the lazy dog"', Buffer.from('The quick brown fox jumps over the lazy dog'), 0x414fa339],
  ])('crc32 of %s is the standard check value', (_name, data, expected) => {
    expect(crc32(data)).toBe(expected);
  });

  it("agrees with zlib's CRC-32 (the trailer of zlib's own gzip) on random data", () => {
    for (const n of [1, 7, 255, 4096, 100_003]) {
      const data = randomBytes(n);
      const member = zlib.gzipSync(data);
      expect(crc32(data)).toBe(member.readUInt32LE(member.length - 8));
    }
  });

  it('combines: crc(A + B) from crc(A), crc(B) and len(B), for every kind of split', () => {
    const data = randomBytes(70_001);
    for (const cut of [0, 1, 2, 3, 8, 1000, 32_768, 65_536, 70_000, 70_001]) {
      const a = data.subarray(0, cut);
      const b = data.subarray(cut);
      expect({ cut, crc: crc32Combine(crc32(a), crc32(b), b.length) }).toEqual({ cut, crc: crc32(data) });
    }
  });

  it('combines lengths beyond 2^32 bytes (zeros appended: crc32 of zeros from a known value)', () => {
    // crc(A + 0^n) is crc32Combine(crc(A), crc(0^n), n); with n = 2^32 + 5 the length's upper
    // bits matter. Checked against doubling: 0^(2k) = 0^k + 0^k.
    const a = crc32(Buffer.from('bkpaas'));
    const zeros = (n: number): number => {
      if (n <= 1) return crc32(Buffer.alloc(n));
      const half = zeros(Math.floor(n / 2));
      const even = crc32Combine(half, half, Math.floor(n / 2));
      return n % 2 === 0 ? even : crc32Combine(even, zeros(1), 1);
    };
    const n = 2 ** 32 + 5;
    expect(crc32Combine(a, zeros(n), n)).toBe(crc32Combine(crc32Combine(a, zeros(2 ** 32), 2 ** 32), zeros(5), 5));
  });
});

/** Splits a member into header, deflate data and trailer, checking it is one plain gzip member; returns its content. */
function content(gz: Buffer): Buffer {
  expect([...gz.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
  // One deflate stream holds everything: inflating it alone yields the whole content.
  const inflated = zlib.inflateRawSync(gz.subarray(10, gz.length - 8));
  expect(gz.readUInt32LE(gz.length - 8)).toBe(crc32(inflated));
  expect(gz.readUInt32LE(gz.length - 4)).toBe(inflated.length);
  expect(zlib.gunzipSync(gz).equals(inflated)).toBe(true);
  return inflated;
}

/** Exposition-like text of `n` bytes, different for each seed. */
function text(n: number, seed: number): Buffer {
  return Buffer.from(`bkpaas_instance_ready{app_code="app-${seed}",instance_name="i-${seed}"} ${seed % 2}\n`.repeat(Math.ceil(n / 60) + 1)).subarray(0, n);
}

describe('deflatePieces', () => {
  it('compresses each slice on its own: every piece inflates alone to its slice, with its CRC and length', async () => {
    // Sizes across zlib's 16 KB output chunks and its 32 KB window, random and text, one empty.
    const slices = [text(5, 1), randomBytes(300_000), text(400_000, 2), Buffer.alloc(0), text(16_384, 3), randomBytes(17), text(70_000, 4)];
    const pieces = await deflatePieces(slices);
    expect(pieces).toHaveLength(slices.length);
    pieces.forEach((p, i) => {
      expect(zlib.inflateRawSync(p.deflate, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).equals(slices[i])).toBe(true);
      expect(p.crc).toBe(crc32(slices[i]));
      expect(p.length).toBe(slices[i].length);
    });
  });

  it('keeps the pieces apart over thousands of slices (each flush ends exactly its own piece)', async () => {
    const slices = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? randomBytes(1 + ((i * 7919) % 40_000)) : text(1 + ((i * 104_729) % 60_000), i)));
    const pieces = await deflatePieces(slices);
    for (let i = 0; i < slices.length; i++) {
      const back = zlib.inflateRawSync(pieces[i].deflate, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      if (!back.equals(slices[i])) throw new Error(`piece ${i} does not inflate to its slice (${back.length} vs ${slices[i].length} bytes)`);
    }
  });
});

describe('gzipJoin', () => {
  it.each([
    ['text', Buffer.from('# HELP a An a.\n# TYPE a gauge\na 1\n'), [Buffer.from('bkpaas_target_up{app_code="蓝鲸"} 1\n'.repeat(5000)), text(90_000, 7)]],
    ['an empty head', Buffer.alloc(0), [Buffer.from('x 1\n'.repeat(100))]],
    ['no slices', Buffer.from('own 1\n'), []],
    ['empty slices', Buffer.from('own 1\n'), [Buffer.alloc(0), Buffer.alloc(0)]],
    ['nothing at all', Buffer.alloc(0), []],
    ['random bytes', randomBytes(10_000), [randomBytes(300_000), randomBytes(5)]],
  ])('with %s: one gzip member whose content is head + the slices', async (_name, head, slices) => {
    const gz = Buffer.concat(gzipJoin(head, await deflatePieces(slices)));
    expect(content(gz).equals(Buffer.concat([head, ...slices]))).toBe(true);
  });

  it('joins pieces in any order and more than once: the body of every scrape is built from the same pieces', async () => {
    const slices = [text(1000, 1), text(50_000, 2), text(3, 3), randomBytes(20_000)];
    const pieces = await deflatePieces(slices);
    for (const order of [[0, 1, 2, 3], [3, 2, 1, 0], [1, 1, 0, 3, 3, 2]]) {
      const parts = gzipJoin(Buffer.from('a 1\n'), order.map((i) => pieces[i]));
      expect(content(Buffer.concat(parts)).equals(Buffer.concat([Buffer.from('a 1\n'), ...order.map((i) => slices[i])]))).toBe(true);
      // The pieces' bytes are written as they are, not copied.
      for (const i of order) if (pieces[i].deflate.length > 0) expect(parts).toContain(pieces[i].deflate);
    }
  });
});

describe('deflatedSlices', () => {
  it('compresses a slice once: a new view of the same bytes gets the kept piece', async () => {
    const pack = Buffer.allocUnsafeSlow(30_000);
    text(30_000, 9).copy(pack);
    const first = await deflatedSlices([pack.subarray(0, 10_000), pack.subarray(10_000, 30_000)]);
    const again = await deflatedSlices([pack.subarray(10_000, 30_000), pack.subarray(0, 10_000)]);
    expect(again[0]).toBe(first[1]);
    expect(again[1]).toBe(first[0]);
    // Another range of the same buffer, even one starting where a kept one starts, is its own piece.
    const [shorter] = await deflatedSlices([pack.subarray(10_000, 20_000)]);
    expect(shorter).not.toBe(first[1]);
    expect(zlib.inflateRawSync(shorter.deflate, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).equals(pack.subarray(10_000, 20_000))).toBe(true);
  });

  it('shares a compression under way between scrapes at the same time', async () => {
    const pack = Buffer.allocUnsafeSlow(200_000);
    text(200_000, 5).copy(pack);
    const views = () => [pack.subarray(0, 100_000), pack.subarray(100_000)];
    const [a, b] = await Promise.all([deflatedSlices(views()), deflatedSlices(views())]);
    expect(b[0]).toBe(a[0]);
    expect(b[1]).toBe(a[1]);
  });

  it('serves a body that is the slices, for slices kept and new mixed', async () => {
    const packs = [0, 1, 2].map((i) => {
      const b = Buffer.allocUnsafeSlow(40_000);
      text(40_000, 20 + i).copy(b);
      return b;
    });
    await deflatedSlices([packs[0].subarray(0, 40_000)]);
    const slices = [packs[1].subarray(0, 5), packs[0].subarray(0, 40_000), packs[2].subarray(39_000), packs[1].subarray(5)];
    const gz = Buffer.concat(gzipJoin(Buffer.from('own 2\n'), await deflatedSlices(slices)));
    expect(content(gz).equals(Buffer.concat([Buffer.from('own 2\n'), ...slices]))).toBe(true);
  });
});
