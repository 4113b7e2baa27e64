/**
 * A config's targets on their way from the loading worker (loadWorker.ts) to the main thread: as
 * serialized chunks, which the main thread turns back into targets one chunk per step (run with
 * runInSlices). Sent as objects in the worker's message, they were all rebuilt in the one
 * synchronous deserialization of that message: 20 000 targets held the event loop for 14–53 ms
 * (and the reload that received them showed a 72 ms stall).
 */
import { deserialize, serialize } from 'node:v8';

import type { Steps } from '../slices';
import type { TargetSpec } from './types';

/** Targets per chunk: ~50 KB serialized, ~1 ms to deserialize. */
export const TARGETS_PER_CHUNK = 500;

/** The targets as serialized chunks of `perChunk`, in order (what a worker message carries cheaply: bytes). */
export function serializeTargets(targets: readonly TargetSpec[], perChunk = TARGETS_PER_CHUNK): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < targets.length; i += perChunk) chunks.push(serialize(targets.slice(i, i + perChunk)));
  return chunks;
}

/** The targets back from serializeTargets' chunks, in order, a chunk per step. */
export function* deserializeTargetSteps(chunks: readonly Uint8Array[]): Steps<TargetSpec[]> {
  const targets: TargetSpec[] = [];
  for (const chunk of chunks) {
    for (const t of deserialize(chunk) as TargetSpec[]) targets.push(t);
    yield;
  }
  return targets;
}
