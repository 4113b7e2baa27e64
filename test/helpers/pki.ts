/**
 * Test certificates made in-process (node-forge for the X.509 structure, Node's crypto for RSA
 * keys), so no test needs an `openssl` binary. All RSA 2048 with SHA-256 signatures.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface KeyPairPem {
  cert: string;
  key: string;
}

interface CertOptions {
  commonName: string;
  /** DNS names and IP addresses for subjectAltName. */
  dns?: string[];
  ips?: string[];
  /** A CA-capable certificate (it signs others); default false. */
  ca?: boolean;
  extKeyUsage: { serverAuth?: boolean; clientAuth?: boolean };
  /** Signed by this certificate and key; self-signed when absent. */
  issuer?: KeyPairPem;
  days?: number;
}

function makeCert(o: CertOptions): KeyPairPem {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicKey = forge.pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: the high bit of the first byte cleared.
  cert.serialNumber = `0${randomBytes(8).toString('hex').slice(1)}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + (o.days ?? 2) * 86_400_000);
  const subject = [{ name: 'commonName', value: o.commonName }];
  cert.setSubject(subject);
  const issuerCert = o.issuer ? forge.pki.certificateFromPem(o.issuer.cert) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);
  const altNames = [...(o.dns ?? []).map((value) => ({ type: 2, value })), ...(o.ips ?? []).map((ip) => ({ type: 7, ip }))];
  cert.setExtensions([
    { name: 'basicConstraints', cA: o.ca ?? false },
    { name: 'keyUsage', keyCertSign: o.ca ?? false, digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', ...o.extKeyUsage },
    ...(altNames.length ? [{ name: 'subjectAltName', altNames }] : []),
  ]);
  const signingKey = forge.pki.privateKeyFromPem(o.issuer ? o.issuer.key : keyPem);
  cert.sign(signingKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keyPem };
}

/** A self-signed, CA-capable certificate for `localhost` and 127.0.0.1 (server and client auth). */
export function localhostCert(): KeyPairPem {
  return makeCert({ commonName: 'localhost', dns: ['localhost'], ips: ['127.0.0.1'], ca: true, extKeyUsage: { serverAuth: true, clientAuth: true } });
}

/** A client certificate (CN=prometheus, SAN DNS:prometheus.example.com) signed by `issuer`. */
export function clientCertSignedBy(issuer: KeyPairPem): KeyPairPem {
  return makeCert({ commonName: 'prometheus', dns: ['prometheus.example.com'], extKeyUsage: { clientAuth: true }, issuer });
}
