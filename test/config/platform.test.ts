/**
 * BlueKing PaaS's own environment as config defaults (src/config/platform.ts): base URL, app code
 * and secret from BK_API_URL_TMPL, BKPAAS_APP_ID and BKPAAS_APP_SECRET; the tenant in
 * multi-tenant mode; discovery with no targets listed. A value in the file always wins; a
 * partial environment is an error naming what is missing.
 */
import { describeConfig, parseConfigText } from '../../src/config';
import { gatewayBaseUrl } from '../../src/config/platform';
import { problemsOf } from './helpers';

const PLATFORM = {
  BKPAAS_APP_ID: 'paas-monitor',
  BKPAAS_APP_SECRET: 'platform-secret-value',
  BK_API_URL_TMPL: 'http://bkapi.example.com/api/{api_name}/',
  BK_ACCESS_TOKEN: 'user-token-value',
};
const USER_ONLY = 'upstream:\n  auth:\n    access_token: ${BK_ACCESS_TOKEN}\ntargets:\n  - app_code: alpha\n    environments: [prod]\n';

describe('BlueKing PaaS defaults', () => {
  it('fill base_url, bk_app_code and bk_app_secret from the platform, and say where they came from', () => {
    const { config, sources } = parseConfigText(USER_ONLY, { env: PLATFORM });
    expect(config.upstream.base_url).toBe('http://bkapi.example.com/api/bkpaas3/prod');
    expect(config.upstream.auth).toEqual({ bk_app_code: 'paas-monitor', bk_app_secret: 'platform-secret-value', access_token: 'user-token-value' });
    expect(sources).toEqual({
      'upstream.base_url': 'BK_API_URL_TMPL (api_name bkpaas3, stage prod)',
      'upstream.auth.bk_app_code': 'BKPAAS_APP_ID',
      'upstream.auth.bk_app_secret': 'BKPAAS_APP_SECRET',
    });
    const summary = describeConfig(config, '$EXPORTER_CONFIG_YAML', { sources });
    expect(summary).toContain('upstream:           http://bkapi.example.com/api/bkpaas3/prod  (from BK_API_URL_TMPL (api_name bkpaas3, stage prod))');
    expect(summary).toContain('auth fields set:  bk_app_code (from BKPAAS_APP_ID), bk_app_secret (from BKPAAS_APP_SECRET), access_token');
    expect(summary).not.toContain('platform-secret-value');
    expect(summary).not.toContain('user-token-value');
  });

  it('let a value in the file win', () => {
    const text = 'upstream:\n  base_url: https://gw.example.com/api/bkpaas3/stag\n  auth:\n    bk_app_code: mine\n    bk_app_secret: file-secret\n    access_token: t\ntargets:\n  - app_code: alpha\n    environments: [prod]\n';
    const { config, sources } = parseConfigText(text, { env: PLATFORM });
    expect(config.upstream.base_url).toBe('https://gw.example.com/api/bkpaas3/stag');
    expect(config.upstream.auth.bk_app_code).toBe('mine');
    expect(config.upstream.auth.bk_app_secret).toBe('file-secret');
    expect(sources).toEqual({});
  });

  it('change nothing off the platform', () => {
    expect(problemsOf(() => parseConfigText(USER_ONLY, { env: { BK_ACCESS_TOKEN: 't' } })).map((p) => p.path)).toEqual([
      'upstream.base_url',
      'upstream.auth.bk_app_code',
      'upstream.auth.bk_app_secret',
    ]);
  });

  it('name what is missing from a partial environment', () => {
    const env = { BK_API_URL_TMPL: PLATFORM.BK_API_URL_TMPL, BKPAAS_APP_ID: 'paas-monitor', BK_ACCESS_TOKEN: 't' };
    expect(problemsOf(() => parseConfigText(USER_ONLY, { env }))).toEqual([
      {
        path: 'upstream.auth.bk_app_secret',
        line: 2,
        message: 'not set in the config, and BKPAAS_APP_SECRET is not set either (on BlueKing PaaS it comes from there; BKPAAS_APP_ID, BK_API_URL_TMPL are set)',
      },
    ]);
    expect(problemsOf(() => parseConfigText(USER_ONLY, { env: { ...PLATFORM, BK_API_URL_TMPL: 'http://bkapi.example.com/api/' } }))).toEqual([
      { path: 'upstream.base_url', line: 1, message: 'not set in the config, and BK_API_URL_TMPL ("http://bkapi.example.com/api/") has no {api_name} to fill in' },
    ]);
  });

  it('send the app tenant in multi-tenant mode unless upstream.tenant_id is set', () => {
    const env = { ...PLATFORM, BKPAAS_MULTI_TENANT_MODE: 'true', BKPAAS_APP_TENANT_ID: 'tenant-a' };
    expect(parseConfigText(USER_ONLY, { env }).config.upstream.tenant_id).toBe('tenant-a');
    expect(parseConfigText(USER_ONLY.replace('upstream:\n', 'upstream:\n  tenant_id: mine\n'), { env }).config.upstream.tenant_id).toBe('mine');
    expect(parseConfigText(USER_ONLY, { env: { ...PLATFORM, BKPAAS_MULTI_TENANT_MODE: 'false', BKPAAS_APP_TENANT_ID: 'x' } }).config.upstream.tenant_id).toBe('');
    expect(problemsOf(() => parseConfigText(USER_ONLY, { env: { ...PLATFORM, BKPAAS_MULTI_TENANT_MODE: 'true' } })).map((p) => p.path)).toEqual(['upstream.tenant_id']);
  });

  it('turn discovery on when no targets are listed and discovery is not configured', () => {
    const text = 'upstream:\n  auth:\n    access_token: t\n';
    const { config, sources } = parseConfigText(text, { env: PLATFORM });
    expect(config.discovery.enabled).toBe(true);
    expect(sources['discovery.enabled']).toBe('on BlueKing PaaS with no targets listed');
    // Configured discovery is left alone (here: off, so "no targets" is still a mistake).
    expect(problemsOf(() => parseConfigText(`${text}discovery:\n  enabled: false\n`, { env: PLATFORM })).map((p) => p.message)).toEqual([
      'no targets: list at least one under targets, or enable discovery (discovery.enabled: true)',
    ]);
  });

  it.each([
    ['http://bkapi.example.com/api/{api_name}', 'http://bkapi.example.com/api/bkpaas3/prod'],
    ['https://{api_name}.apigw.example.com/', 'https://bkpaas3.apigw.example.com/prod'],
    ['http://bkapi.example.com/api/', undefined],
  ])('gatewayBaseUrl(%s) is %s', (template, url) => {
    expect(gatewayBaseUrl(template)).toBe(url);
  });
});
