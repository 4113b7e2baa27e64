/**
 * The config's targets as the loading worker sends them (targetTransfer.ts): serialized in chunks,
 * rebuilt on the main thread a chunk per step — the same targets, in the same order, never more
 * than one chunk rebuilt between two yields. The whole path (worker, message, rebuild) runs on
 * dist/main.js in test/integration/reloadBounds.test.ts (5 000 targets reloaded and served).
 */
import { deserializeTargetSteps, serializeTargets, TARGETS_PER_CHUNK } from '../../src/config/targetTransfer';
import type { TargetSpec } from '../../src/config/types';
import { runAtOnce } from '../../src/slices';

function targets(n: number): TargetSpec[] {
  return Array.from({ length: n }, (_, i): TargetSpec => ({
    app_code: `app-${i}`,
    module_name: i % 2 ? 'default' : 'api',
    environment: i % 3 ? 'prod' : 'stag',
    ...(i % 5 === 0 ? { only_latest_version: i % 10 === 0 } : {}),
    labels: (i % 4 ? {} : { team: `t${i}`, 'zone-中文': 'a"b\\c' }) as Record<string, string>,
    source: i % 7 ? `targets[${i}]` : 'discovery',
    ...(i % 7 ? {} : { discovered: true }),
  }));
}

/** Runs the rebuild step by step: the targets, and how many chunks each step deserialized. */
function stepwise(chunks: Uint8Array[]): { result: TargetSpec[]; steps: number } {
  const work = deserializeTargetSteps(chunks);
  let steps = 0;
  for (;;) {
    const step = work.next();
    if (step.done) return { result: step.value, steps };
    steps += 1;
  }
}

describe('targets sent from the loading worker', () => {
  test.each([0, 1, TARGETS_PER_CHUNK - 1, TARGETS_PER_CHUNK, TARGETS_PER_CHUNK + 1, 2 * TARGETS_PER_CHUNK + 201])('%i targets come back the same, in order', (n) => {
    const sent = targets(n);
    const chunks = serializeTargets(sent);
    expect(chunks).toHaveLength(Math.ceil(n / TARGETS_PER_CHUNK));
    expect(runAtOnce(deserializeTargetSteps(chunks))).toEqual(sent);
  });

  test('one chunk per step: a step rebuilds at most TARGETS_PER_CHUNK targets', () => {
    const sent = targets(2 * TARGETS_PER_CHUNK + 201);
    const { result, steps } = stepwise(serializeTargets(sent));
    expect(steps).toBe(3);
    expect(result.map((t) => t.app_code)).toEqual(sent.map((t) => t.app_code));
  });

  test('chunks are bytes: a worker message carries them without rebuilding any target', () => {
    const chunks = serializeTargets(targets(10), 4);
    expect(chunks.map((c) => c instanceof Uint8Array)).toEqual([true, true, true]);
    // What postMessage does to them (structured clone) leaves them readable.
    const cloned = structuredClone(chunks);
    expect(runAtOnce(deserializeTargetSteps(cloned)).map((t) => t.app_code)).toEqual(targets(10).map((t) => t.app_code));
  });
});
