/**
 * Reads a gzipped tar archive entry by entry, checking every header's checksum: an independent
 * reader for the S-mart package tests (it shares no code with scripts/lib/ustar.js).
 */
import * as zlib from 'node:zlib';

/** One archive entry as stored. */
export interface TarEntry {
  /** Full path (ustar prefix + name); folders end in "/". */
  name: string;
  /** "0" (or NUL) regular file, "5" folder, anything else as found. */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  /** "ustar" followed by NUL and "00" for POSIX ustar. */
  magic: string;
  data: Buffer;
}

const BLOCK = 512;

function text(h: Buffer, offset: number, length: number): string {
  const field = h.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(h: Buffer, offset: number, length: number): number {
  const s = text(h, offset, length).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

/** Parses an uncompressed tar archive; throws on a bad checksum or a truncated entry. */
export function readTar(tar: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break; // end-of-archive marker
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    const stored = octal(h, 148, 8);
    if (stored !== sum) throw new Error(`bad header checksum at byte ${at}: stored ${stored}, computed ${sum}`);
    const prefix = text(h, 345, 155);
    const name = text(h, 0, 100);
    const size = octal(h, 124, 12);
    const start = at + BLOCK;
    if (start + size > tar.length) throw new Error(`entry ${name} is truncated`);
    entries.push({
      name: prefix ? `${prefix}/${name}` : name,
      type: String.fromCharCode(h[156] || 0x30),
      mode: octal(h, 100, 8),
      uid: octal(h, 108, 8),
      gid: octal(h, 116, 8),
      uname: text(h, 265, 32),
      gname: text(h, 297, 32),
      mtime: octal(h, 136, 12),
      magic: h.subarray(257, 265).toString('latin1'),
      data: Buffer.from(tar.subarray(start, start + size)),
    });
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

/** Gunzips and parses a .tar.gz. */
export function readTarGz(tgz: Buffer): TarEntry[] {
  return readTar(zlib.gunzipSync(tgz));
}
