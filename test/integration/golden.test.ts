/**
 * A golden /metrics for a fixed simulator state (the demo fleet, not evolving). Regenerate after
 * an intended change with: UPDATE_GOLDEN=1 npx jest test/integration/golden
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { demoFleet } from '../../src/simulator';
import { startHarness, type Harness } from '../helpers/harness';
import { specOf } from '../helpers/targets';

const GOLDEN = path.join(__dirname, '..', 'golden', 'demo-fleet.prom');

/** Keeps the target families only and pins the two values that depend on the clock. */
function normalise(text: string): string {
  const out: string[] = [];
  let ours = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP ')) ours = /^# HELP bkpaas_(process|instance|target)_/.test(line);
    if (!ours || line === '') continue;
    if (line.startsWith('bkpaas_target_fetch_duration_seconds{')) out.push(line.replace(/ [^ ]+$/, ' <duration>'));
    else if (line.startsWith('bkpaas_target_last_success_timestamp_seconds{')) out.push(line.replace(/ [^ ]+$/, ' <timestamp>'));
    else out.push(line);
  }
  return `${out.join('\n')}\n`;
}

describe('golden /metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    const fleet = demoFleet();
    h = await startHarness({ simTargets: fleet, targets: fleet.map((t) => specOf(t, { labels: { team: 'demo' } })), config: { instance_metrics: true } });
  });
  afterAll(() => h.stop());

  it('matches test/golden/demo-fleet.prom', async () => {
    const res = await h.get('/metrics');
    expect(res.status).toBe(200);
    const actual = normalise(res.body);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) {
      if (process.env.CI && !existsSync(GOLDEN)) throw new Error(`${GOLDEN} is missing`);
      writeFileSync(GOLDEN, actual);
    }
    expect(actual).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});
