/**
 * The web config's TLS settings as node:https server options, and the client-certificate
 * policies OpenSSL has no switch for (exporter-toolkit's RequireAnyClientCert,
 * VerifyClientCertIfGiven and client_allowed_sans), checked once per connection.
 */
import type https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { TlsSettings } from './tlsOptions';

/** Options for https.createServer. */
export function httpsOptions(t: TlsSettings): https.ServerOptions {
  const requestCert = t.clientAuth !== 'NoClientCert';
  return {
    cert: t.cert,
    key: t.key,
    ca: t.clientCa,
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
    ciphers: t.ciphers,
    ecdhCurve: t.ecdhCurve,
    honorCipherOrder: t.honorCipherOrder,
    requestCert,
    // Only RequireAndVerifyClientCert makes OpenSSL refuse the handshake itself; the others are checked in checkClient.
    rejectUnauthorized: t.clientAuth === 'RequireAndVerifyClientCert',
  };
}

/** The SANs of a peer certificate's subjectaltname ("DNS:a, IP Address:1.2.3.4, email:…, URI:…"). */
function sansOf(subjectaltname: string | undefined): string[] {
  if (!subjectaltname) return [];
  return subjectaltname.split(', ').map((entry) => entry.slice(entry.indexOf(':') + 1));
}

/** Why a TLS connection must be closed under the client-auth policy, or undefined when it may proceed. */
export function checkClient(t: TlsSettings, socket: TLSSocket): string | undefined {
  if (t.clientAuth === 'NoClientCert' || t.clientAuth === 'RequestClientCert') return undefined;
  const cert = socket.getPeerCertificate();
  const given = !!cert && Object.keys(cert).length > 0;
  if (!given) {
    if (t.clientAuth === 'VerifyClientCertIfGiven') return undefined;
    return 'no client certificate';
  }
  if ((t.clientAuth === 'VerifyClientCertIfGiven' || t.clientAuth === 'RequireAndVerifyClientCert') && !socket.authorized) {
    return `client certificate not trusted: ${String(socket.authorizationError)}`;
  }
  if (t.clientAllowedSans && !sansOf(cert.subjectaltname).some((s) => t.clientAllowedSans!.includes(s))) {
    return 'client certificate has none of client_allowed_sans';
  }
  return undefined;
}
