/**
 * UTF-8 decoding in steps (src/slices.ts): one `toString` of a body of several MB holds the event
 * loop for tens of ms on a busy machine. Pieces of PIECE_BYTES are decoded one per step (a
 * StringDecoder carries a character split between two pieces) and joined at the end.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Steps } from '../slices';

const PIECE_BYTES = 512 * 1024;

/** `bytes.toString('utf8')`, as steps. */
export function* utf8Steps(bytes: Buffer): Steps<string> {
  const decoder = new StringDecoder('utf8');
  const parts: string[] = [];
  for (let at = 0; at < bytes.length; at += PIECE_BYTES) {
    parts.push(decoder.write(bytes.subarray(at, at + PIECE_BYTES)));
    yield;
  }
  parts.push(decoder.end());
  return parts.join('');
}
