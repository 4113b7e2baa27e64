/**
 * The fast path's packing: target chunks packed by groups of targets and joined family by
 * family, as a scrape writes them (src/metrics/render.ts, src/scheduler/targetGroups.ts).
 */
import { joinPacked, packChunks, renderTargets } from '../../src/metrics/render';
import { TARGET_FAMILIES } from '../../src/metrics/families';
import { familyText, NO_SERIES, renderTargetChunks, type TargetChunks, type TargetView } from '../../src/metrics/targetChunks';
import { TargetGroups } from '../../src/scheduler/targetGroups';

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
  const holders = (apps: string[]) => apps.map((app) => ({ app, chunks: renderTargetChunks(view(app)) as TargetChunks | undefined }));
  type Holder = ReturnType<typeof holders>[number];

  it.each([1, 2, 3, 100])('with groups of %p, serves the same text as one render of every target', (size) => {
    const hs = holders(['a', 'b', 'c', 'd', 'e']);
    const want = renderTargets(hs.map((h) => h.chunks!));
    const groups = new TargetGroups<Holder>(size);
    groups.setTargets(hs);
    expect(Buffer.concat(groups.segments()).toString('utf8')).toBe(want);
    // Packed: each target's chunks are now a view of its group's pack.
    expect(new Set(hs.map((h) => h.chunks!.bytes)).size).toBe(Math.ceil(hs.length / size));
  });

  it('packs a group as soon as every one of its targets has new chunks, and not before', () => {
    const hs = holders(['a', 'b', 'c', 'd']);
    const groups = new TargetGroups<Holder>(2);
    groups.setTargets(hs);
    groups.segments();
    const packOf = (h: Holder) => h.chunks!.bytes;
    const before = hs.map(packOf);
    hs[0].chunks = renderTargetChunks(view('a', false));
    groups.changed(hs[0]);
    expect(packOf(hs[0])).not.toBe(before[0]); // its own fresh buffer, not packed yet
    expect(packOf(hs[1])).toBe(before[1]);
    hs[1].chunks = renderTargetChunks(view('b', false));
    groups.changed(hs[1]);
    // Both of group 0's targets changed: packed together at once, group 1 untouched.
    expect(packOf(hs[0])).toBe(packOf(hs[1]));
    expect(packOf(hs[0])).not.toBe(before[0]);
    expect(packOf(hs[2])).toBe(before[2]);
    const text = Buffer.concat(groups.segments()).toString('utf8');
    expect(text).toContain('bkpaas_target_up{app_code="a",module_name="m",environment="e"} 0\n');
    expect(text).toContain('bkpaas_target_up{app_code="b",module_name="m",environment="e"} 0\n');
    expect(text).toContain('bkpaas_target_up{app_code="c",module_name="m",environment="e"} 1\n');
  });

  it('packs a group with some new chunks at the next segments(), and leaves targets without chunks out', () => {
    const hs = holders(['a', 'b', 'c']);
    hs[2].chunks = undefined; // not fetched yet
    const groups = new TargetGroups<Holder>(3);
    groups.setTargets(hs);
    expect(Buffer.concat(groups.segments()).toString('utf8')).toBe(renderTargets([hs[0].chunks!, hs[1].chunks!]));
    hs[1].chunks = renderTargetChunks(view('b', false));
    groups.changed(hs[1]);
    const text = Buffer.concat(groups.segments()).toString('utf8');
    expect(text).toContain('bkpaas_target_up{app_code="b",module_name="m",environment="e"} 0\n');
    expect(hs[0].chunks!.bytes).toBe(hs[1].chunks!.bytes);
  });

  it('ignores targets it does not hold (removed by a reload)', () => {
    const groups = new TargetGroups<Holder>(2);
    groups.setTargets(holders(['a']));
    const stranger = holders(['x'])[0];
    groups.changed(stranger);
    expect(Buffer.concat(groups.segments()).toString('utf8')).not.toContain('"x"');
  });
});
