import { DroppedFieldLog } from '../../src/upstream/droppedFieldLog';
import { parseProcessList } from '../../src/upstream/parse';

function capture(): { log: DroppedFieldLog; lines: Array<{ fields: Record<string, unknown>; message: string }> } {
  const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
  return { log: new DroppedFieldLog({ warn: (fields, message) => lines.push({ fields, message }) }), lines };
}

const droppedOf = (specs: unknown[]) => parseProcessList({ process_packages: specs }).dropped;

describe('DroppedFieldLog', () => {
  it('warns once per refresh, naming every ignored path and the kind of value', () => {
    const { log, lines } = capture();
    log.report('a/default/prod', droppedOf([{ name: 'web', autoscaling: 'yes', plan_name: 3 }]));
    expect(lines).toHaveLength(1);
    expect(lines[0].fields).toEqual({
      target: 'a/default/prod',
      ignored: ['process_packages[0].plan_name: expected a string, got a number', 'process_packages[0].autoscaling: expected a boolean, got a string'],
      ignored_total: 2,
    });
  });

  it('says nothing for an answer without ignored fields', () => {
    const { log, lines } = capture();
    log.report('a/default/prod', droppedOf([{ name: 'web', autoscaling: true }]));
    expect(lines).toHaveLength(0);
  });

  it('does not repeat the same fields of a target until they change', () => {
    const { log, lines } = capture();
    const bad = droppedOf([{ name: 'web', autoscaling: 'yes' }]);
    log.report('a/default/prod', bad);
    log.report('a/default/prod', bad);
    log.report('b/default/prod', bad);
    expect(lines.map((l) => l.fields.target)).toEqual(['a/default/prod', 'b/default/prod']);
    log.report('a/default/prod', undefined);
    log.report('a/default/prod', bad);
    expect(lines).toHaveLength(3);
  });

  it('logs each distinct unparsable quantity once, whatever the target', () => {
    const { log, lines } = capture();
    log.report('a/default/prod', droppedOf([{ name: 'web', resource_limit: { cpu: 'bogus', memory: '1 Gi' } }]));
    log.report('b/default/prod', droppedOf([{ name: 'web', resource_limit: { cpu: 'bogus', memory: '2 Gi' } }]));
    log.report('c/default/prod', droppedOf([{ name: 'web', resource_limit: { cpu: 'bogus' } }]));
    expect(lines.map((l) => l.fields.ignored)).toEqual([
      ['process_packages[0].resource_limit.cpu: not a Kubernetes quantity: "bogus"', 'process_packages[0].resource_limit.memory: not a Kubernetes quantity: "1 Gi"'],
      ['process_packages[0].resource_limit.memory: not a Kubernetes quantity: "2 Gi"'],
    ]);
  });
});
