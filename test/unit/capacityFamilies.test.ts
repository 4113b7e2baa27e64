/**
 * The issue-13 families (last termination, resources, plan, autoscaling) rendered from rows built
 * by hand: exact lines, absent when unknown, reasons escaped and capped, and the same as
 * prom-client (the reference renderer) renders for the same rows.
 */
import { renderWithPromClient } from '../helpers/promClientReference';
import { familiesOf } from '../helpers/exposition';
import { renderTargets } from '../../src/metrics/render';
import { renderTargetChunks, type TargetView } from '../../src/metrics/targetChunks';
import { emptyRow, type ProcessRow } from '../../src/model/aggregate';
import type { InstanceItem } from '../../src/model/snapshot';

const LABELS = { app_code: 'a', module_name: 'm', environment: 'prod' };
const LONG_REASON = 'Evicted "pod" \\ ' + 'r'.repeat(200);

function instance(name: string, last?: InstanceItem['last_terminated']): InstanceItem {
  return { process_type: 'web', name, state: 'Running', ready: true, restart_count: 3, version: 2, image: 'img', last_terminated: last };
}

function row(overrides: Partial<ProcessRow>): ProcessRow {
  return { ...emptyRow('web'), replicas: 2, success: 2, ...overrides };
}

const FULL = row({
  last_terminated_by_reason: [[LONG_REASON, 1], ['OOMKilled', 2]],
  resource_limit: { cpu_cores: 4, memory_bytes: 1073741824 },
  resource_request: { cpu_cores: 0.5 },
  plan_name: 'default',
  autoscaling: true,
  autoscaling_min_replicas: 1,
  autoscaling_max_replicas: 5,
  instances: [instance('web-1', { reason: 'OOMKilled', exit_code: 137 }), instance('web-2', { reason: '', exit_code: 0 }), instance('web-3')],
});
const BARE = row({ process_type: 'worker', autoscaling: false });

function view(rows: ProcessRow[]): Omit<TargetView, 'labels'> {
  return { up: true, errorCounts: new Map(), rows, instanceMetrics: true };
}

function fast(rows: ProcessRow[]): string {
  return renderTargets([renderTargetChunks({ ...view(rows), labels: 'app_code="a",module_name="m",environment="prod"' })]);
}

const lines = (text: string, family: string) => text.split('\n').filter((l) => l.startsWith(`${family}{`));

describe('capacity, termination and autoscaling families', () => {
  const text = fast([FULL, BARE]);
  const w = 'app_code="a",module_name="m",environment="prod",process_type="web"';
  const cappedReason = LONG_REASON.slice(0, 128).replace(/\\/g, '\\\\').replace(/"/g, '\\"');

  it('renders exact values for the rows', () => {
    expect(lines(text, 'bkpaas_process_last_terminated_instances')).toEqual([
      `bkpaas_process_last_terminated_instances{${w},reason="${cappedReason}"} 1`,
      `bkpaas_process_last_terminated_instances{${w},reason="OOMKilled"} 2`,
    ]);
    expect(lines(text, 'bkpaas_process_resource_limit')).toEqual([
      `bkpaas_process_resource_limit{${w},resource="cpu",unit="core"} 4`,
      `bkpaas_process_resource_limit{${w},resource="memory",unit="byte"} 1073741824`,
    ]);
    expect(lines(text, 'bkpaas_process_resource_request')).toEqual([`bkpaas_process_resource_request{${w},resource="cpu",unit="core"} 0.5`]);
    expect(lines(text, 'bkpaas_process_plan_info')).toEqual([`bkpaas_process_plan_info{${w},plan="default"} 1`]);
    expect(lines(text, 'bkpaas_process_autoscaling_enabled')).toEqual([
      `bkpaas_process_autoscaling_enabled{${w}} 1`,
      `bkpaas_process_autoscaling_enabled{${w.replace('"web"', '"worker"')}} 0`,
    ]);
    expect(lines(text, 'bkpaas_process_autoscaling_min_replicas')).toEqual([`bkpaas_process_autoscaling_min_replicas{${w}} 1`]);
    expect(lines(text, 'bkpaas_process_autoscaling_max_replicas')).toEqual([`bkpaas_process_autoscaling_max_replicas{${w}} 5`]);
    // Only instances that terminated before; an empty reason is no reason.
    expect(lines(text, 'bkpaas_instance_last_terminated_reason')).toEqual([`bkpaas_instance_last_terminated_reason{${w},instance_name="web-1",reason="OOMKilled"} 1`]);
    expect(lines(text, 'bkpaas_instance_last_terminated_exit_code')).toEqual([
      `bkpaas_instance_last_terminated_exit_code{${w},instance_name="web-1"} 137`,
      `bkpaas_instance_last_terminated_exit_code{${w},instance_name="web-2"} 0`,
    ]);
  });

  it('leaves every new family out when the row knows nothing of it', () => {
    const bare = fast([row({})]);
    expect(bare).not.toMatch(/bkpaas_process_(last_terminated|resource|plan|autoscaling)|bkpaas_instance_last_terminated/);
  });

  it('equals prom-client for the same rows', async () => {
    const expected = familiesOf(await renderWithPromClient([{ ...view([FULL, BARE]), labels: LABELS }]));
    const actual = familiesOf(text);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, fam] of expected) expect({ name, ...actual.get(name) }).toEqual({ name, ...fam });
  });
});
