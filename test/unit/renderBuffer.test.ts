/**
 * The fast path's packing: target chunks packed by groups of targets and joined family by
 * family, as a scrape writes them (src/metrics/render.ts, src/scheduler/targetGroups.ts).
 */
import { chunkBytes, joinPacked, packChunks, renderTargets } from '../../src/metrics/render';
import { TARGET_FAMILIES } from '../../src/metrics/families';
import {
  familyText,
  NO_SERIES,
  renderSteps,
  renderTargetChunks,
  TARGET_SCOPE_FROM,
  withTargetFamilies,
  type TargetChunks,
  type TargetView,
} from '../../src/metrics/targetChunks';
import { emptyRow, type ProcessRow } from '../../src/model/aggregate';
import { TargetGroups } from '../../src/scheduler/targetGroups';
import { runAtOnce } from '../../src/slices';

/** Two process types with a few counts: rows that render process series. */
function rows(app: string): ProcessRow[] {
  return ['web', 'worker'].map((type, i) => ({
    ...emptyRow(type),
    replicas: 2 + i,
    success: 2,
    target_replicas: 3,
    instances_by_state: [['Running', 2]],
    ready_instances: 2,
    restarts: app.length + i,
    infos: [{ name: `${app}--${type}`, cluster_link: `http://${app}-${type}` }],
  }));
}

/** A target's view with rows, its fetch `at` this time (the target families change with it). */
function rowsView(app: string, at: number): TargetView {
  return {
    labels: `app_code="${app}",module_name="m",environment="e"`,
    up: true,
    durationSeconds: at / 1000,
    lastSuccessSeconds: at,
    errorCounts: new Map(),
    rows: rows(app),
    instanceMetrics: false,
  };
}

/** The series after an answer the same as the last: `kept`'s process series, the target families rendered at `at`. */
function sameAnswer(kept: TargetChunks, app: string, at: number): TargetChunks {
  return withTargetFamilies(kept, runAtOnce(renderSteps({ ...rowsView(app, at), rows: [] }, TARGET_SCOPE_FROM)));
}

describe('series kept over an answer the same as the last (withTargetFamilies)', () => {
  it('the target-scope families come last in TARGET_FAMILIES', () => {
    expect(TARGET_SCOPE_FROM).toBeGreaterThan(0);
    expect(TARGET_FAMILIES.slice(TARGET_SCOPE_FROM).every((f) => f.scope === 'target')).toBe(true);
    expect(TARGET_FAMILIES.slice(0, TARGET_SCOPE_FROM).some((f) => f.scope === 'target')).toBe(false);
  });

  it('keeps the process series where they are, takes the target families anew, and reads like a full render', () => {
    const first = packChunks(['a', 'b'].map((app) => renderTargetChunks(rowsView(app, 1)))).placed;
    const next = sameAnswer(first[1], 'b', 2);
    // Nothing copied: the process series are still the pack's bytes, the target families a buffer of their own.
    expect(next.bytes).toBe(first[1].bytes);
    expect(next.tail).toBeDefined();
    expect(renderTargets([next])).toBe(renderTargets([renderTargetChunks(rowsView('b', 2))]));
    for (let f = 0; f < TARGET_FAMILIES.length; f++) expect(familyText(next, f)).toBe(familyText(renderTargetChunks(rowsView('b', 2)), f));
    // Again over the kept series: still the first pack's process series.
    const again = sameAnswer(next, 'b', 3);
    expect(again.bytes).toBe(first[1].bytes);
    expect(renderTargets([again])).toBe(renderTargets([renderTargetChunks(rowsView('b', 3))]));
  });

  it('packs kept and fresh series together right, copying what lies back to back in one source in one piece', () => {
    const apps = ['a', 'b', '蓝鲸', 'd', 'e'];
    const first = packChunks(apps.map((app) => renderTargetChunks(rowsView(app, 1)))).placed;
    // b's answer changed (a full render); the others' were the same.
    const mixed = apps.map((app, i) => (app === 'b' ? renderTargetChunks({ ...rowsView(app, 2), rows: rows('bb') }) : sameAnswer(first[i], app, 2)));
    const want = apps.map((app) => renderTargetChunks(app === 'b' ? { ...rowsView(app, 2), rows: rows('bb') } : rowsView(app, 2)));
    const copy = jest.spyOn(Buffer.prototype, 'copy');
    let packed;
    let copies;
    try {
      packed = packChunks(mixed);
      copies = copy.mock.calls.length;
    } finally {
      copy.mockRestore();
    }
    expect(packed.bytes.toString('utf8')).toBe(packChunks(want).bytes.toString('utf8'));
    packed.placed.forEach((p, i) => {
      for (let f = 0; f < TARGET_FAMILIES.length; f++) expect(familyText(p, f)).toBe(familyText(want[i], f));
    });
    // Per process family: a's run, b's own bytes, then 蓝鲸, d and e back to back in the first
    // pack (one copy); per target family, one copy per target.
    const rowFamilies = TARGET_FAMILIES.slice(0, TARGET_SCOPE_FROM).filter((_, f) => first[0].ranges[2 * f + 1] > first[0].ranges[2 * f]).length;
    const targetFamilies = TARGET_FAMILIES.slice(TARGET_SCOPE_FROM).filter((_, k) => {
      const f = TARGET_SCOPE_FROM + k;
      return want[0].ranges[2 * f + 1] > want[0].ranges[2 * f];
    }).length;
    expect(rowFamilies).toBeGreaterThan(5);
    expect(copies).toBe(3 * rowFamilies + apps.length * targetFamilies);
  });

  it("leaves a group's process series in its pack when every answer of the group was the same: only the target families are packed", () => {
    const ts = ['a', 'b', '蓝鲸'].map((app) => Object.freeze({ app }));
    const groups = new TargetGroups<(typeof ts)[number]>(3);
    groups.setTargets(ts, new Map(ts.map((t) => [t, renderTargetChunks(rowsView(t.app, 1))])));
    groups.segments();
    const pack = groups.chunksOf(ts[0])!.bytes;
    const want = (at: number, changedApp?: string) =>
      renderTargets(ts.map((t) => renderTargetChunks(t.app === changedApp ? { ...rowsView(t.app, at), rows: rows('zz') } : rowsView(t.app, at))));
    for (const at of [2, 3]) {
      const copy = jest.spyOn(Buffer.prototype, 'copy');
      let copied: number;
      try {
        for (const t of ts) groups.changed(t, sameAnswer(groups.chunksOf(t)!, t.app, at));
        copied = copy.mock.calls.reduce((sum, [, , from, to]) => sum + ((to as number) - (from as number)), 0);
      } finally {
        copy.mockRestore();
      }
      // Packed as the last answer arrived: the process series still in the first pack, nothing of them copied.
      for (const t of ts) expect(groups.chunksOf(t)!.bytes).toBe(pack);
      expect(copied).toBeLessThan(chunkBytes(groups.chunksOf(ts[0])!));
      expect(Buffer.concat(groups.segments()).toString('utf8')).toBe(want(at));
    }
    // One answer changed: the group is packed anew, all of it.
    groups.changed(ts[0], sameAnswer(groups.chunksOf(ts[0])!, 'a', 4));
    groups.changed(ts[1], renderTargetChunks({ ...rowsView('b', 4), rows: rows('zz') }));
    groups.changed(ts[2], sameAnswer(groups.chunksOf(ts[2])!, '蓝鲸', 4));
    expect(groups.chunksOf(ts[0])!.bytes).not.toBe(pack);
    expect(Buffer.concat(groups.segments()).toString('utf8')).toBe(want(4, 'b'));
  });

  it('packs a regrouped group anew even when its targets\' series all lie in one old pack', () => {
    const ts = ['a', 'b', 'c'].map((app) => Object.freeze({ app }));
    const groups = new TargetGroups<(typeof ts)[number]>(3);
    groups.setTargets(ts, new Map(ts.map((t) => [t, renderTargetChunks(rowsView(t.app, 1))])));
    groups.segments();
    // c leaves; a and b keep their series, views of the old pack that holds c's too.
    groups.setTargets(ts.slice(0, 2), new Map());
    for (const t of ts.slice(0, 2)) groups.changed(t, sameAnswer(groups.chunksOf(t)!, t.app, 2));
    const text = Buffer.concat(groups.segments()).toString('utf8');
    expect(text).not.toContain('app_code="c"');
    expect(text).toBe(renderTargets(ts.slice(0, 2).map((t) => renderTargetChunks(rowsView(t.app, 2)))));
  });

  it('writes kept series over the copy limit from their own buffers, the target families from theirs', () => {
    const ts = ['a', 'big-one', 'c'].map((app) => Object.freeze({ app }));
    const first = new Map(ts.map((t) => [t, renderTargetChunks(rowsView(t.app, 1))]));
    const limit = Math.max(chunkBytes(first.get(ts[0])!), chunkBytes(first.get(ts[2])!));
    expect(chunkBytes(first.get(ts[1])!)).toBeGreaterThan(limit);
    const groups = new TargetGroups<(typeof ts)[number]>(3, limit);
    groups.setTargets(ts, first);
    groups.segments();
    for (const t of ts) groups.changed(t, sameAnswer(groups.chunksOf(t)!, t.app, 2));
    const text = Buffer.concat(groups.segments()).toString('utf8');
    expect(text).toBe(renderTargets(ts.map((t) => renderTargetChunks(rowsView(t.app, 2)))));
  });
});

describe('packChunks, joinPacked and target chunks', () => {
  const view = (app: string): TargetView => ({
    labels: `app_code="${app}",module_name="m",environment="e"`,
    up: true,
    durationSeconds: 0.5,
    lastSuccessSeconds: 1,
    errorCounts: new Map(),
    rows: [],
    instanceMetrics: false,
  });

  it('renders nothing for no targets, and skips targets without series', () => {
    expect(renderTargets([])).toBe('');
    expect(joinPacked([packChunks([])])).toEqual([]);
    const a = renderTargetChunks(view('a'));
    expect(renderTargets([a, NO_SERIES])).toBe(renderTargets([a]));
    expect(renderTargets([NO_SERIES])).toBe('');
  });

  it('places each target in the pack: its chunks become views of it, and pack again to the same bytes', () => {
    const fresh = ['a', '蓝鲸', 'c'].map((app) => renderTargetChunks(view(app)));
    const first = packChunks(fresh);
    first.placed.forEach((p, i) => {
      expect(p.bytes).toBe(first.bytes);
      for (let f = 0; f < TARGET_FAMILIES.length; f++) expect(familyText(p, f)).toBe(familyText(fresh[i], f));
    });
    expect(packChunks(first.placed).bytes.equals(first.bytes)).toBe(true);
    // Views of an older pack mixed with a freshly rendered target, as after a partial refresh.
    const next = packChunks([first.placed[0], renderTargetChunks({ ...view('蓝鲸'), up: false }), first.placed[2]]);
    const text = next.bytes.toString('utf8');
    expect(text).toContain('bkpaas_target_up{app_code="蓝鲸",module_name="m",environment="e"} 0\n');
    expect(text.replace('"蓝鲸",module_name="m",environment="e"} 0', '"蓝鲸",module_name="m",environment="e"} 1')).toBe(first.bytes.toString('utf8'));
  });

  it('joins packs family by family: one header per family, then each pack\'s slice in order', () => {
    const packs = [packChunks([renderTargetChunks(view('a'))]), packChunks([renderTargetChunks(view('b')), renderTargetChunks(view('c'))])];
    const text = Buffer.concat(joinPacked(packs)).toString('utf8');
    expect(text).toBe(renderTargets(['a', 'b', 'c'].map((app) => renderTargetChunks(view(app)))));
    expect(text.match(/^# TYPE bkpaas_target_up gauge$/gm)).toHaveLength(1);
    expect(text.match(/^bkpaas_target_up\{app_code="(\w)"/gm)).toEqual(['bkpaas_target_up{app_code="a"', 'bkpaas_target_up{app_code="b"', 'bkpaas_target_up{app_code="c"']);
  });

  it('keeps one chunk per family in family order, byte offsets right with non-ASCII labels', () => {
    const chunks = renderTargetChunks(view('蓝鲸'));
    const texts = TARGET_FAMILIES.map((_, f) => familyText(chunks, f)).filter((t) => t !== '');
    expect(texts).toEqual([
      'bkpaas_target_up{app_code="蓝鲸",module_name="m",environment="e"} 1\n',
      'bkpaas_target_fetch_duration_seconds{app_code="蓝鲸",module_name="m",environment="e"} 0.5\n',
      'bkpaas_target_last_success_timestamp_seconds{app_code="蓝鲸",module_name="m",environment="e"} 1\n',
    ]);
    expect(chunks.ranges).toHaveLength(2 * TARGET_FAMILIES.length);
    expect(chunks.bytes.toString('utf8')).toBe(texts.join(''));
  });
});

describe('TargetGroups', () => {
  const view = (app: string, up = true): TargetView => ({
    labels: `app_code="${app}",module_name="m",environment="e"`,
    up,
    durationSeconds: 0.25,
    lastSuccessSeconds: 1,
    errorCounts: new Map(),
    rows: [],
    instanceMetrics: false,
  });
  // Frozen: the groups own the targets' series and must never write into a target (in strict
  // mode, a write into a frozen object throws).
  const targets = (apps: string[]) => apps.map((app) => Object.freeze({ app }));
  type Target = ReturnType<typeof targets>[number];
  const rendered = (ts: readonly Target[]) => new Map(ts.map((t) => [t, renderTargetChunks(view(t.app))]));

  it.each([1, 2, 3, 100])('with groups of %p, serves the same text as one render of every target', (size) => {
    const ts = targets(['a', 'b', 'c', 'd', 'e']);
    const fresh = rendered(ts);
    const want = renderTargets([...fresh.values()]);
    const groups = new TargetGroups<Target>(size);
    groups.setTargets(ts, fresh);
    expect(Buffer.concat(groups.segments()).toString('utf8')).toBe(want);
    // Packed: each target's chunks are now a view of its group's pack.
    expect(new Set(ts.map((t) => groups.chunksOf(t)!.bytes)).size).toBe(Math.ceil(ts.length / size));
    expect(ts.every((t) => groups.chunksOf(t) !== fresh.get(t))).toBe(true);
  });

  it('owns the series: the targets are keys it never writes to, and a regrouping keeps what each had', () => {
    const ts = targets(['a', 'b', 'c']);
    const groups = new TargetGroups<Target>(2);
    groups.setTargets(ts, rendered(ts));
    groups.segments();
    expect(ts.map((t) => Object.keys(t))).toEqual([['app'], ['app'], ['app']]);
    const [d] = targets(['d']);
    // A reload: b and c stay (their series come along), a goes, d is new.
    groups.setTargets([ts[1], ts[2], d], new Map([[d, renderTargetChunks(view('d', false))]]));
    expect(groups.chunksOf(ts[0])).toBeUndefined();
    const text = Buffer.concat(groups.segments()).toString('utf8');
    expect(text).not.toContain('app_code="a"');
    expect(text).toContain('bkpaas_target_up{app_code="b",module_name="m",environment="e"} 1\n');
    expect(text).toContain('bkpaas_target_up{app_code="d",module_name="m",environment="e"} 0\n');
  });

  it('keeps the pack of a group a regrouping leaves as it was, and packs the groups that changed', () => {
    const ts = targets(['a', 'b', 'c', 'd', 'e']);
    const groups = new TargetGroups<Target>(2);
    groups.setTargets(ts, rendered(ts));
    const text = Buffer.concat(groups.segments()).toString('utf8');
    const packOf = (t: Target) => groups.chunksOf(t)!.bytes;
    const before = ts.map(packOf);
    // The same targets again (a reload that changed nothing of theirs): every pack kept.
    groups.setTargets(ts, new Map());
    expect(Buffer.concat(groups.segments()).toString('utf8')).toBe(text);
    expect(ts.map(packOf)).toEqual(before);
    ts.forEach((t, i) => expect(packOf(t)).toBe(before[i]));
    // e replaced by f: the first two groups kept, the last packed anew; then b and c swapped: group 0 and 1 anew.
    const [f] = targets(['f']);
    groups.setTargets([...ts.slice(0, 4), f], new Map([[f, renderTargetChunks(view('f'))]]));
    groups.segments();
    expect(packOf(ts[0])).toBe(before[0]);
    expect(packOf(ts[2])).toBe(before[2]);
    expect(packOf(f)).not.toBe(before[4]);
    groups.setTargets([ts[0], ts[2], ts[1], ts[3], f], new Map());
    const swapped = Buffer.concat(groups.segments()).toString('utf8');
    expect(packOf(ts[0])).not.toBe(before[0]);
    expect(packOf(ts[2])).toBe(packOf(ts[0]));
    expect(swapped.indexOf('app_code="c"')).toBeLessThan(swapped.indexOf('app_code="b"'));
  });

  it('packs a group as soon as every one of its targets has new chunks, and not before', () => {
    const ts = targets(['a', 'b', 'c', 'd']);
    const groups = new TargetGroups<Target>(2);
    groups.setTargets(ts, rendered(ts));
    groups.segments();
    const packOf = (t: Target) => groups.chunksOf(t)!.bytes;
    const before = ts.map(packOf);
    groups.changed(ts[0], renderTargetChunks(view('a', false)));
    expect(packOf(ts[0])).not.toBe(before[0]); // its own fresh buffer, not packed yet
    expect(packOf(ts[1])).toBe(before[1]);
    groups.changed(ts[1], renderTargetChunks(view('b', false)));
    // Both of group 0's targets changed: packed together at once, group 1 untouched.
    expect(packOf(ts[0])).toBe(packOf(ts[1]));
    expect(packOf(ts[0])).not.toBe(before[0]);
    expect(packOf(ts[2])).toBe(before[2]);
    const text = Buffer.concat(groups.segments()).toString('utf8');
    expect(text).toContain('bkpaas_target_up{app_code="a",module_name="m",environment="e"} 0\n');
    expect(text).toContain('bkpaas_target_up{app_code="b",module_name="m",environment="e"} 0\n');
    expect(text).toContain('bkpaas_target_up{app_code="c",module_name="m",environment="e"} 1\n');
  });

  it('packs a group with some new chunks at the next segments(), and leaves targets without chunks out', () => {
    const ts = targets(['a', 'b', 'c']);
    const fresh = rendered(ts.slice(0, 2)); // c: not fetched yet
    const groups = new TargetGroups<Target>(3);
    groups.setTargets(ts, fresh);
    expect(Buffer.concat(groups.segments()).toString('utf8')).toBe(renderTargets([fresh.get(ts[0])!, fresh.get(ts[1])!]));
    groups.changed(ts[1], renderTargetChunks(view('b', false)));
    const text = Buffer.concat(groups.segments()).toString('utf8');
    expect(text).toContain('bkpaas_target_up{app_code="b",module_name="m",environment="e"} 0\n');
    expect(groups.chunksOf(ts[0])!.bytes).toBe(groups.chunksOf(ts[1])!.bytes);
    expect(groups.chunksOf(ts[2])).toBeUndefined();
  });

  it('writes a target whose series exceed the copy limit from its own buffer, in target order, and packs the others around it', () => {
    const ts = targets(['a', 'big-one', 'c', 'd']);
    const fresh = rendered(ts);
    const want = renderTargets([...fresh.values()]);
    // "big-one" has the longest labels: a limit of the next largest size leaves only it over.
    const sizes = ts.map((t) => chunkBytes(fresh.get(t)!));
    const limit = Math.max(sizes[0], sizes[2], sizes[3]);
    expect(sizes[1]).toBeGreaterThan(limit);
    // Its series in a buffer of its own (not Buffer's shared pool), to recognise it in the output.
    const own = Buffer.allocUnsafeSlow(fresh.get(ts[1])!.bytes.length);
    fresh.get(ts[1])!.bytes.copy(own);
    const big = { bytes: own, ranges: fresh.get(ts[1])!.ranges };
    fresh.set(ts[1], big);
    const groups = new TargetGroups<Target>(4, limit);
    groups.setTargets(ts, fresh);
    const segments = groups.segments();
    expect(Buffer.concat(segments).toString('utf8')).toBe(want);
    // Not copied: written as views of its own buffer, and still its own.
    expect(segments.filter((b) => b.buffer === own.buffer).length).toBeGreaterThan(0);
    expect(groups.chunksOf(ts[1])).toBe(big);
    // The others are packed around it: a before it, c and d together after it.
    expect(groups.chunksOf(ts[0])!.bytes).not.toBe(groups.chunksOf(ts[2])!.bytes);
    expect(groups.chunksOf(ts[2])!.bytes).toBe(groups.chunksOf(ts[3])!.bytes);
    // With the default limit, all four share one pack.
    const whole = new TargetGroups<Target>(4);
    whole.setTargets(ts, fresh);
    expect(Buffer.concat(whole.segments()).toString('utf8')).toBe(want);
    expect(new Set(ts.map((t) => whole.chunksOf(t)!.bytes)).size).toBe(1);
  });

  it('ignores targets it does not hold (removed by a reload)', () => {
    const groups = new TargetGroups<Target>(2);
    const ts = targets(['a']);
    groups.setTargets(ts, rendered(ts));
    const [stranger] = targets(['x']);
    groups.changed(stranger, renderTargetChunks(view('x')));
    expect(groups.chunksOf(stranger)).toBeUndefined();
    expect(Buffer.concat(groups.segments()).toString('utf8')).not.toContain('"x"');
  });
});
