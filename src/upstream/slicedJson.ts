/**
 * JSON.parse in steps (src/slices.ts), for upstream bodies large enough that one JSON.parse call
 * would hold the event loop (a 9 MB body of 100 000 process items: 40 ms on an idle core, three
 * times that on a busy one, while /healthz and scrapes wait).
 *
 * The same result as JSON.parse, value for value: an iterative walk of the structure (no
 * recursion, so it can pause anywhere), where each string and number token is still decoded by
 * the engine (JSON.parse / Number of that token alone), so escapes, lone surrogates, control
 * characters and number rounding follow JSON.parse exactly, and no result string is a slice
 * that would keep the whole body alive. It costs several times JSON.parse's CPU, which is why
 * the client uses it only for large bodies.
 */
import type { Steps } from '../slices';

/** Characters of input walked between two yields (well under a millisecond of work). */
const CHARS_PER_STEP = 32 * 1024;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

type Frame = { array: unknown[] } | { object: Record<string, unknown>; key: string };

/** Thrown for text that is not JSON, with the position like JSON.parse's message. */
class JsonSyntaxError extends SyntaxError {}

function fail(text: string, at: number): never {
  const what = at >= text.length ? 'Unexpected end of JSON input' : `Unexpected token ${JSON.stringify(text[at])} in JSON at position ${at}`;
  throw new JsonSyntaxError(what);
}

function skipSpace(text: string, at: number): number {
  for (;;) {
    const c = text.charCodeAt(at);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return at;
    at += 1;
  }
}

/** The index just past the string token that opens at `at` (a quote). */
function stringEnd(text: string, at: number): number {
  let close = text.indexOf('"', at + 1);
  for (;;) {
    if (close < 0) fail(text, text.length);
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === 0x5c) backslashes += 1;
    if (backslashes % 2 === 0) return close + 1;
    close = text.indexOf('"', close + 1);
  }
}

/** Sets a member as JSON.parse does: `__proto__` is an own property, not the prototype. */
function setMember(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

/** JSON.parse(text), as steps. Throws a SyntaxError for text that is not JSON. */
export function* parseJsonSteps(text: string): Steps<unknown> {
  const stack: Frame[] = [];
  let at = 0;
  let nextYield = CHARS_PER_STEP;
  for (;;) {
    if (at >= nextYield) {
      yield;
      nextYield = at + CHARS_PER_STEP;
    }
    // A value starts here.
    at = skipSpace(text, at);
    let value: unknown;
    const c = text[at];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      const inner = skipSpace(text, at + 1);
      if (text[inner] === close) {
        value = c === '{' ? {} : [];
        at = inner + 1;
      } else if (c === '[') {
        stack.push({ array: [] });
        at = inner;
        continue;
      } else {
        at = readKey(text, inner, stack, {});
        continue;
      }
    } else if (c === '"') {
      const end = stringEnd(text, at);
      value = decodeToken(text, at, end);
      at = end;
    } else if (c === 't' && text.startsWith('true', at)) {
      value = true;
      at += 4;
    } else if (c === 'f' && text.startsWith('false', at)) {
      value = false;
      at += 5;
    } else if (c === 'n' && text.startsWith('null', at)) {
      value = null;
      at += 4;
    } else {
      NUMBER.lastIndex = at;
      if (!NUMBER.test(text)) fail(text, at);
      value = Number(text.slice(at, NUMBER.lastIndex));
      at = NUMBER.lastIndex;
    }
    // The value is complete: place it, and close every container it completes.
    for (;;) {
      const top = stack[stack.length - 1];
      if (!top) {
        at = skipSpace(text, at);
        if (at < text.length) fail(text, at);
        return value;
      }
      if ('array' in top) top.array.push(value);
      else setMember(top.object, top.key, value);
      at = skipSpace(text, at);
      const next = text[at];
      if (next === ',') {
        if ('array' in top) at += 1;
        else at = readKey(text, skipSpace(text, at + 1), stack, top.object, top);
        break;
      }
      if (next !== ('array' in top ? ']' : '}')) fail(text, at);
      at += 1;
      stack.pop();
      value = 'array' in top ? top.array : top.object;
    }
  }
}

/**
 * Reads `"key" :` at `at` for `object` (a new one is pushed as a frame; `frame` is the frame of
 * an object already on the stack) and returns where its value starts.
 */
function readKey(text: string, at: number, stack: Frame[], object: Record<string, unknown>, frame?: Frame & { key: string }): number {
  if (text[at] !== '"') fail(text, at);
  const end = stringEnd(text, at);
  const key = decodeToken(text, at, end) as string;
  if (frame) frame.key = key;
  else stack.push({ object, key });
  const colon = skipSpace(text, end);
  if (text[colon] !== ':') fail(text, colon);
  return colon + 1;
}

/** A string token decoded by the engine itself: JSON.parse's escapes and checks, and a string of its own. */
function decodeToken(text: string, start: number, end: number): unknown {
  try {
    return JSON.parse(text.slice(start, end));
  } catch {
    return fail(text, start);
  }
}
