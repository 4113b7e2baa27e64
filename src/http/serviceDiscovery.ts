/** `GET /sd`: Prometheus HTTP service discovery (http_sd_configs) of this exporter's /probe targets. */
import type { TargetState } from '../scheduler/targetState';

export interface SdGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * One group per served target (undeployed ones left out): the exporter's own address as the
 * target, the probe parameters as `__param_*`, and `__meta_bkpaas_*` for relabelling.
 */
export function serviceDiscovery(targets: readonly TargetState[], exporterAddress: string): SdGroup[] {
  return targets
    .filter((r) => !r.undeployed)
    .map((r) => ({
      targets: [exporterAddress],
      labels: {
        __param_app_code: r.spec.app_code,
        __param_module_name: r.spec.module_name,
        __param_environment: r.spec.environment,
        __meta_bkpaas_app_code: r.spec.app_code,
        __meta_bkpaas_module_name: r.spec.module_name,
        __meta_bkpaas_environment: r.spec.environment,
        __meta_bkpaas_discovered: r.spec.discovered ? 'true' : 'false',
      },
    }));
}
