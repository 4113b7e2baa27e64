/** The one factory of simulator targets and target specs in tests. */
import type { TargetSpec } from '../../src/config/types';
import type { SimTarget } from '../../src/simulator/types';

/** A simulator target, in module `default`, environment `prod` unless `extra` says otherwise. */
export function simTarget(app_code: string, scenario: SimTarget['scenario'] = 'healthy', extra: Partial<SimTarget> = {}): SimTarget {
  return { app_code, module_name: 'default', environment: 'prod', scenario, ...extra };
}

/** A target spec for a simulator target. */
export function specOf(t: Pick<SimTarget, 'app_code' | 'module_name' | 'environment'>, extra: Partial<TargetSpec> = {}): TargetSpec {
  return { app_code: t.app_code, module_name: t.module_name, environment: t.environment, labels: {}, source: 'test', ...extra };
}
