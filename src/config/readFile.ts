/**
 * Reading the config file: a regular file of bounded size, nothing else. A FIFO in its place
 * would block the read until something writes to it, a device such as /dev/zero would never
 * end, and a huge file would take seconds and a large heap to validate.
 */

import * as fs from 'node:fs';

import { ConfigError } from './errors';
import { describeReadError } from './file-secrets';
import { formatByteSize } from './size';

/** The largest config file read. 100 000 targets written one per entry take about 5 MB. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

const CHUNK_BYTES = 64 * 1024;

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a file';
}

function tooLarge(file: string, bytes: number): ConfigError {
  return new ConfigError(file, [
    {
      path: '',
      message: `${file} is ${bytes} bytes, more than the ${MAX_CONFIG_BYTES} (${formatByteSize(MAX_CONFIG_BYTES)}) allowed; for a fleet this large use discovery`,
    },
  ]);
}

/** Reads at most MAX_CONFIG_BYTES + 1 bytes from `fd`: one more than allowed tells a file that grew past the limit. */
function readBounded(file: string, fd: number): string {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    const n = fs.readSync(fd, chunk, 0, CHUNK_BYTES, null);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > MAX_CONFIG_BYTES) throw tooLarge(file, total);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

/**
 * Returns the text of the config file `file`. Throws a ConfigError when it cannot be read, is not
 * a regular file ("config.yaml is not a regular file (it is a FIFO)"), or is larger
 * than MAX_CONFIG_BYTES. Never blocks on a FIFO: it is opened non-blocking and checked before
 * any read.
 */
export function readConfigFile(file: string): string {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read the config file: ${describeReadError(err)}` }]);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ConfigError(file, [{ path: '', message: `${file} is not a regular file (it is ${kindOf(st)})` }]);
    if (st.size > MAX_CONFIG_BYTES) throw tooLarge(file, st.size);
    return readBounded(file, fd);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(file, [{ path: '', message: `cannot read the config file: ${describeReadError(err)}` }]);
  } finally {
    fs.closeSync(fd);
  }
}
