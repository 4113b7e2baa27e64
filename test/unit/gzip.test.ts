/**
 * The gzip splice of /metrics: the cached, compressed targets' part joined with the fresh own
 * metrics must be one standard gzip member whose content is exactly head + tail.
 */
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { crc32, crc32Combine, deflateTail, gzipJoin } from '../../src/metrics/gzip';

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
});

describe('gzipJoin', () => {
  /** Splits a member into header, deflate data and trailer, checking it is one plain gzip member. */
  function members(gz: Buffer) {
    expect([...gz.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
    const deflate = gz.subarray(10, gz.length - 8);
    // One deflate stream holds everything: inflating it alone yields the whole content.
    const content = zlib.inflateRawSync(deflate);
    expect(gz.readUInt32LE(gz.length - 8)).toBe(crc32(content));
    expect(gz.readUInt32LE(gz.length - 4)).toBe(content.length);
    return content;
  }

  it('compresses a tail given as many parts (small ones batched, large ones whole, empty ones skipped) as their concatenation', async () => {
    const parts = [Buffer.alloc(0), randomBytes(700_000), ...Array.from({ length: 900 }, (_, i) => Buffer.from(`s{g="${i}"} ${i}\n`.repeat(1 + (i % 50)))), Buffer.alloc(0), randomBytes(300_000)];
    const whole = Buffer.concat(parts);
    const tail = await deflateTail(parts);
    expect(tail.length).toBe(whole.length);
    expect(tail.crc).toBe(crc32(whole));
    expect(zlib.inflateRawSync(tail.deflate).equals(whole)).toBe(true);
    expect(members(Buffer.concat(gzipJoin(Buffer.from('own 1\n'), tail))).equals(Buffer.concat([Buffer.from('own 1\n'), whole]))).toBe(true);
  });

  it('holds about one batch of the input at a time while compressing, not a copy of all of it', async () => {
    // 96 MB in 1 KB parts (batched into 1 MB copies): written all at once, every copy was held
    // until zlib had compressed it.
    const part = Buffer.from('bkpaas_process_replicas{app_code="a",module_name="m",environment="e",process_type="web"} 3\n'.repeat(12).slice(0, 1024));
    const parts = Array.from({ length: 96 * 1024 }, () => part);
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 1);
    const tail = await deflateTail(parts);
    clearInterval(sampler);
    expect(tail.length).toBe(96 * 1024 * 1024);
    expect(peak - before).toBeLessThan(32 * 1024 * 1024);
  });

  it.each([
    ['text', Buffer.from('# HELP a An a.\n# TYPE a gauge\na 1\n'), Buffer.from('bkpaas_target_up{app_code="蓝鲸"} 1\n'.repeat(5000))],
    ['an empty head', Buffer.alloc(0), Buffer.from('x 1\n'.repeat(100))],
    ['an empty tail', Buffer.from('own 1\n'), Buffer.alloc(0)],
    ['both empty', Buffer.alloc(0), Buffer.alloc(0)],
    ['random bytes', randomBytes(10_000), randomBytes(300_000)],
  ])('with %s: one gzip member whose content is head + tail', async (_name, head, tail) => {
    const parts = gzipJoin(head, await deflateTail(tail));
    const gz = Buffer.concat(parts);
    const expected = Buffer.concat([head, tail]);
    expect(members(gz).equals(expected)).toBe(true);
    expect(zlib.gunzipSync(gz).equals(expected)).toBe(true);
  });

  it('shares the tail bytes: the same cached tail serves many heads', async () => {
    const tail = await deflateTail(Buffer.from('series 1\n'.repeat(1000)));
    for (const head of ['a 1\n', 'a 2\nb 3\n', '']) {
      const parts = gzipJoin(Buffer.from(head), tail);
      expect(parts).toContain(tail.deflate);
      expect(zlib.gunzipSync(Buffer.concat(parts)).toString()).toBe(head + 'series 1\n'.repeat(1000));
    }
  });
});
