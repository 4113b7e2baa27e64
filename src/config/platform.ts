/**
 * Defaults from BlueKing PaaS's own environment, for an exporter deployed as a BlueKing app
 * (docs/blueking-app.md): the platform gives every app its code, its secret and the API gateway's
 * URL template, so `upstream.base_url`, `upstream.auth.bk_app_code` and
 * `upstream.auth.bk_app_secret` may be left out of the config there. A value in the config always
 * wins. In multi-tenant mode the tenant header defaults to the app's tenant. With no static
 * targets and no discovery settings, discovery is on: an app on the platform monitors what its
 * user may see.
 */

import { isPlainObject, type Path, type PathProblem } from './paths';

/** The platform's variables this module reads. */
export const PLATFORM_ENV = {
  appCode: 'BKPAAS_APP_ID',
  appSecret: 'BKPAAS_APP_SECRET',
  apiUrlTemplate: 'BK_API_URL_TMPL',
  multiTenant: 'BKPAAS_MULTI_TENANT_MODE',
  tenantId: 'BKPAAS_APP_TENANT_ID',
} as const;

/** The PaaS API gateway's name in BK_API_URL_TMPL, and its stage. */
const GATEWAY = 'bkpaas3';
const STAGE = 'prod';

/** Where each defaulted value came from, by YAML path (`upstream.base_url`, ...), for --check-config. */
export type ValueSources = Record<string, string>;

export interface PlatformResult {
  /** The config with the platform's defaults filled in (the input is not changed). */
  value: unknown;
  sources: ValueSources;
  problems: PathProblem[];
}

const has = (o: Record<string, unknown>, key: string) => o[key] !== undefined && o[key] !== null && o[key] !== '';

/** `BK_API_URL_TMPL` with `{api_name}` = bkpaas3, plus the stage: the PaaS gateway's base URL. */
export function gatewayBaseUrl(template: string): string | undefined {
  if (!template.includes('{api_name}')) return undefined;
  return `${template.replace('{api_name}', GATEWAY).replace(/\/+$/, '')}/${STAGE}`;
}

/**
 * Fills the platform's defaults into `root` (the config after `${VAR}` expansion). Off the
 * platform (none of its app variables set) nothing changes. A default that is needed (the config
 * does not set the key) but whose variable is missing or unusable is a problem at that key,
 * naming the variable.
 */
export function applyPlatformDefaults(root: unknown, env: NodeJS.ProcessEnv): PlatformResult {
  const sources: ValueSources = {};
  const problems: PathProblem[] = [];
  // On the platform when any of its app variables is set.
  const present = [PLATFORM_ENV.appCode, PLATFORM_ENV.appSecret, PLATFORM_ENV.apiUrlTemplate].filter((v) => !!env[v]);
  if (present.length === 0 || !isPlainObject(root)) return { value: root, sources, problems };

  const next: Record<string, unknown> = { ...root };
  const upstream: Record<string, unknown> = isPlainObject(next.upstream) ? { ...next.upstream } : {};
  const auth: Record<string, unknown> = isPlainObject(upstream.auth) ? { ...upstream.auth } : {};
  const missing = (variable: string, path: Path) =>
    problems.push({
      path,
      message: `not set in the config, and ${variable} is not set either (on BlueKing PaaS it comes from there; ${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} set)`,
    });

  if (!has(upstream, 'base_url')) {
    const template = env[PLATFORM_ENV.apiUrlTemplate];
    if (!template) missing(PLATFORM_ENV.apiUrlTemplate, ['upstream', 'base_url']);
    else {
      const url = gatewayBaseUrl(template);
      if (url === undefined) {
        problems.push({ path: ['upstream', 'base_url'], message: `not set in the config, and ${PLATFORM_ENV.apiUrlTemplate} ("${template}") has no {api_name} to fill in` });
      } else {
        upstream.base_url = url;
        sources['upstream.base_url'] = `${PLATFORM_ENV.apiUrlTemplate} (api_name ${GATEWAY}, stage ${STAGE})`;
      }
    }
  }
  const fromEnv = (key: string, variable: string) => {
    if (has(auth, key) || has(auth, `${key}_file`)) return;
    const v = env[variable];
    if (!v) return missing(variable, ['upstream', 'auth', key]);
    auth[key] = v;
    sources[`upstream.auth.${key}`] = variable;
  };
  fromEnv('bk_app_code', PLATFORM_ENV.appCode);
  fromEnv('bk_app_secret', PLATFORM_ENV.appSecret);

  if (env[PLATFORM_ENV.multiTenant] === 'true' && !has(upstream, 'tenant_id')) {
    const tenant = env[PLATFORM_ENV.tenantId];
    if (!tenant) missing(PLATFORM_ENV.tenantId, ['upstream', 'tenant_id']);
    else {
      upstream.tenant_id = tenant;
      sources['upstream.tenant_id'] = `${PLATFORM_ENV.tenantId} (${PLATFORM_ENV.multiTenant}=true)`;
    }
  }

  const noTargets = next.targets === undefined || next.targets === null || (Array.isArray(next.targets) && next.targets.length === 0);
  if (noTargets && next.discovery === undefined) {
    next.discovery = { enabled: true };
    sources['discovery.enabled'] = 'on BlueKing PaaS with no targets listed';
  }

  upstream.auth = auth;
  next.upstream = upstream;
  return { value: next, sources, problems };
}
