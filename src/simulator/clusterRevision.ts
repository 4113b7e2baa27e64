/**
 * Kubernetes' list `resource_version` is the cluster's revision when the list was read: it moves
 * with every write anywhere in the cluster, so a real server's answers for an unchanged target
 * differ in it from one request to the next. The simulator's do too: each answer's resource
 * versions are its model's plus the simulator's revision, which advances with every answer.
 */

const KEY = Buffer.from('"resource_version":"', 'latin1');

/** Per cached body: where each resource version's digits are ([from, to) pairs), and their value. */
const places = new WeakMap<Buffer, { from: number; to: number; value: number }[]>();

function placesOf(body: Buffer): { from: number; to: number; value: number }[] {
  let found = places.get(body);
  if (found) return found;
  found = [];
  for (let at = body.indexOf(KEY); at !== -1; at = body.indexOf(KEY, at + 1)) {
    const from = at + KEY.length;
    const to = body.indexOf(0x22, from);
    const value = Number(body.toString('latin1', from, to));
    if (to > from && Number.isSafeInteger(value)) found.push({ from, to, value });
  }
  places.set(body, found);
  return found;
}

/** `body` (a serialised list answer) with `revision` added to each of its resource versions. */
export function atRevision(body: Buffer, revision: number): Buffer {
  if (revision === 0) return body;
  const parts: Buffer[] = [];
  let from = 0;
  for (const p of placesOf(body)) {
    parts.push(body.subarray(from, p.from), Buffer.from(String(p.value + revision), 'latin1'));
    from = p.to;
  }
  if (parts.length === 0) return body;
  parts.push(body.subarray(from));
  return Buffer.concat(parts);
}
