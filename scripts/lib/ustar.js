/**
 * A POSIX ustar archive writer, gzipped, whose bytes depend only on the entries given: no clock,
 * no owner, no host in the output. Plain CommonJS with no dependency (scripts run before any build).
 *
 * Each entry is a directory or a regular file; names are POSIX relative paths. The caller decides
 * the order; mode and mtime are the caller's too, so that one place (the packager) fixes them.
 */
'use strict';
const zlib = require('node:zlib');

const BLOCK = 512;
/** tar pads the archive to whole records of 20 blocks, as GNU tar and Python's tarfile do. */
const RECORD = 20 * BLOCK;

/** Writes `value` as zero-padded octal in a field of `width` bytes ending in NUL. */
function octal(header, offset, width, value) {
  const digits = value.toString(8).padStart(width - 1, '0');
  if (digits.length > width - 1) throw new Error(`${value} does not fit a ${width}-byte tar field`);
  header.write(digits, offset, width - 1, 'ascii');
  header[offset + width - 1] = 0;
}

/** Splits a path into ustar's `prefix` (155 bytes) and `name` (100 bytes) fields. */
function splitName(name) {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0) return { prefix, name: rest };
  }
  throw new Error(`path too long for a ustar header: ${name}`);
}

/**
 * One 512-byte ustar header. `entry`: { name, type: 'file' | 'dir', mode, mtime, size }.
 * Owner and group are 0 with empty names, so the archive says nothing about the machine it came from.
 */
function header(entry) {
  const h = Buffer.alloc(BLOCK);
  const stored = entry.type === 'dir' ? `${entry.name.replace(/\/$/, '')}/` : entry.name;
  const { prefix, name } = splitName(stored);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, entry.mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, entry.type === 'dir' ? 0 : entry.size);
  octal(h, 136, 12, entry.mtime);
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  h.write(entry.type === 'dir' ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  // Six octal digits, NUL, space: the historical layout every reader accepts.
  h.write(sum.toString(8).padStart(6, '0'), 148, 6, 'ascii');
  h[154] = 0;
  h[155] = 0x20;
  return h;
}

/**
 * Returns the tar archive (uncompressed) of `entries`, in the given order:
 * [{ name, type: 'file', mode, mtime, data: Buffer } | { name, type: 'dir', mode, mtime }].
 */
function tar(entries) {
  const parts = [];
  for (const e of entries) {
    const size = e.type === 'file' ? e.data.length : 0;
    parts.push(header({ ...e, size }));
    if (size > 0) {
      parts.push(e.data);
      const pad = (BLOCK - (size % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(2 * BLOCK)); // end-of-archive marker
  const body = Buffer.concat(parts);
  const tail = (RECORD - (body.length % RECORD)) % RECORD;
  return tail ? Buffer.concat([body, Buffer.alloc(tail)]) : body;
}

/**
 * Gzips `data` reproducibly: Node's zlib writes no file name and a zero modification time in the
 * gzip header, so equal input and zlib version give equal bytes.
 */
function gzip(data) {
  return zlib.gzipSync(data, { level: 9 });
}

module.exports = { tar, gzip, BLOCK };
