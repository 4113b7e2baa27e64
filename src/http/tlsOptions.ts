/**
 * `tls_server_config` → the options node:https needs: the cross-key rules exporter-toolkit's
 * schema cannot say, the certificate, key and client CA files read (relative to the web config's
 * directory) and checked once, at load, with OpenSSL itself.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';

import { expectsAt } from '../config/expects';
import type { Path, PathProblem } from '../config/paths';
import { CIPHER_SUITES, CURVES, TLS_VERSIONS, webConfigSchema, type ClientAuthType, type TlsServerInput } from './webConfigSchema';

/** TLS settings, files read: what node:https needs, plus the client-certificate policy. */
export interface TlsSettings {
  /** PEM. */
  cert: string;
  key: string;
  /** PEM of the CAs client certificates are verified against. */
  clientCa?: string;
  clientAuth: ClientAuthType;
  /** The client certificate must carry one of these SANs (DNS, IP, email or URI). */
  clientAllowedSans?: string[];
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  /** OpenSSL cipher list; undefined for Node's defaults. */
  ciphers?: string;
  /** OpenSSL curve list; undefined for Node's defaults. */
  ecdhCurve?: string;
  honorCipherOrder: boolean;
}

const AT = 'tls_server_config';
const at = (key: string): Path => [AT, key];
const expects = (key: string): string | undefined => expectsAt(at(key), webConfigSchema);

/** The rules between keys; each broken one is a problem. */
function crossKeyProblems(t: TlsServerInput, clientAuth: ClientAuthType): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const [inline, file] of [['cert', 'cert_file'], ['key', 'key_file'], ['client_ca', 'client_ca_file']] as const) {
    if (t[inline] !== undefined && t[file] !== undefined) problems.push({ path: at(inline), message: `set one of ${inline} and ${file}, not both` });
  }
  if (t.cert === undefined && t.cert_file === undefined) {
    problems.push({ path: at('cert_file'), message: `missing required key: TLS needs a certificate (cert_file or cert); expected ${expects('cert_file')}` });
  }
  if (t.key === undefined && t.key_file === undefined) {
    problems.push({ path: at('key_file'), message: `missing required key: TLS needs a private key (key_file or key); expected ${expects('key_file')}` });
  }
  const hasCa = t.client_ca !== undefined || t.client_ca_file !== undefined;
  if (hasCa && clientAuth === 'NoClientCert') {
    problems.push({
      path: at('client_auth_type'),
      message: 'client CAs are configured but client_auth_type is NoClientCert; expected a verifying type such as RequireAndVerifyClientCert',
    });
  }
  if (!hasCa && (clientAuth === 'VerifyClientCertIfGiven' || clientAuth === 'RequireAndVerifyClientCert')) {
    problems.push({
      path: at('client_ca_file'),
      message: `missing required key: client_auth_type ${clientAuth} verifies client certificates against it; expected ${expects('client_ca_file')}`,
    });
  }
  if (t.client_allowed_sans !== undefined && clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
    problems.push({ path: at('client_allowed_sans'), message: 'needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert' });
  }
  const order = Object.keys(TLS_VERSIONS);
  const minName = t.min_version ?? 'TLS12';
  const maxName = t.max_version ?? 'TLS13';
  if (order.indexOf(minName) > order.indexOf(maxName)) {
    problems.push({ path: at('min_version'), message: `${minName} is above max_version ${maxName}; expected a version no higher than max_version` });
  }
  return problems;
}

/** The PEM text of an inline key or of the file its `_file` twin names; undefined (with a problem) when unreadable. */
function pemOf(t: TlsServerInput, inline: 'cert' | 'key' | 'client_ca', dir: string, problems: PathProblem[]): string | undefined {
  if (t[inline] !== undefined) return t[inline];
  const key = `${inline}_file` as const;
  const file = t[key];
  if (file === undefined) return undefined;
  const abs = path.resolve(dir, file);
  try {
    return readFileSync(abs, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    problems.push({ path: at(key), message: `cannot read ${abs}: ${e.code ?? e.message}; expected ${expects(key)}` });
    return undefined;
  }
}

/** Checks that `text` holds a PEM block of the kind `inline` expects. */
function pemProblem(t: TlsServerInput, inline: 'cert' | 'key' | 'client_ca', text: string | undefined): PathProblem | undefined {
  if (text === undefined) return undefined;
  const isKey = inline === 'key';
  const ok = isKey ? /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text) : text.includes('-----BEGIN CERTIFICATE-----');
  if (ok) return undefined;
  const key = t[inline] !== undefined ? inline : `${inline}_file`;
  return { path: at(key), message: `not a PEM ${isKey ? 'private key' : 'certificate'}; expected ${expects(key)}` };
}

/**
 * Turns `tls_server_config` into TLS settings, reading files relative to `dir`. Returns the
 * settings, or the problems found (each with its YAML path) and no settings.
 */
export function tlsSettingsOf(t: TlsServerInput, dir: string): { settings?: TlsSettings; problems: PathProblem[] } {
  const clientAuth: ClientAuthType = t.client_auth_type === 'RequireClientCert' ? 'RequireAnyClientCert' : (t.client_auth_type ?? 'NoClientCert');
  const problems = crossKeyProblems(t, clientAuth);
  if (problems.length > 0) return { problems };

  const cert = pemOf(t, 'cert', dir, problems);
  const key = pemOf(t, 'key', dir, problems);
  const clientCa = pemOf(t, 'client_ca', dir, problems);
  if (problems.length > 0) return { problems };
  for (const inline of ['cert', 'key', 'client_ca'] as const) {
    const p = pemProblem(t, inline, inline === 'cert' ? cert : inline === 'key' ? key : clientCa);
    if (p) problems.push(p);
  }
  if (problems.length > 0 || cert === undefined || key === undefined) return { problems };

  const settings: TlsSettings = {
    cert,
    key,
    clientCa,
    clientAuth,
    clientAllowedSans: t.client_allowed_sans,
    minVersion: TLS_VERSIONS[t.min_version ?? 'TLS12'],
    maxVersion: TLS_VERSIONS[t.max_version ?? 'TLS13'],
    ciphers: t.cipher_suites?.map((c) => CIPHER_SUITES[c]).join(':'),
    ecdhCurve: t.curve_preferences?.map((c) => CURVES[c]).join(':'),
    honorCipherOrder: t.prefer_server_cipher_suites ?? true,
  };
  try {
    // Catches a key that does not match the certificate, an encrypted key, a bad cipher list.
    tls.createSecureContext({
      cert: settings.cert,
      key: settings.key,
      ca: settings.clientCa,
      minVersion: settings.minVersion,
      maxVersion: settings.maxVersion,
      ciphers: settings.ciphers,
      ecdhCurve: settings.ecdhCurve,
    });
  } catch (err) {
    // OpenSSL's messages carry no key material; keep the readable part.
    const msg = (err as Error).message.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '');
    return { problems: [{ path: [AT], message: `the certificate and key cannot be used: ${msg}` }] };
  }
  return { settings, problems };
}
