import {
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';

/** PEM material of the simulator's private CA and its server certificate. */
export interface SimulatorTls {
  dir: string;
  /** whether `dir` is a temp dir created by us (removed on stop) */
  temporary: boolean;
  caCertPem: string;
  caCertFile: string;
  caKeyPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** SHA-256 fingerprint of the server certificate, colon separated (like `ssl_fingerprint`). */
  serverFingerprint: string;
}

function newKeyPair() {
  // node:crypto generates RSA keys natively (much faster than forge's JS implementation)
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
  });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pubPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { keyPem, publicKey: forge.pki.publicKeyFromPem(pubPem) };
}

/**
 * Signs the certificate with node:crypto (forge builds the ASN.1 structure;
 * its pure-JS RSA is slow, especially inside jest's module sandbox).
 */
function signCert(cert: forge.pki.Certificate, keyPem: string) {
  const oid = forge.pki.oids.sha256WithRSAEncryption;
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  (cert as unknown as { md: forge.md.MessageDigest }).md =
    forge.md.sha256.create();
  // getTBSCertificate exists in node-forge but is missing from @types/node-forge
  const pki = forge.pki as unknown as {
    getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1;
  };
  const tbs = forge.asn1.toDer(pki.getTBSCertificate(cert)).getBytes();
  const sig = sign(
    'sha256',
    Buffer.from(tbs, 'binary'),
    createPrivateKey(keyPem),
  );
  cert.signature = sig.toString('binary');
}

function serial() {
  // positive, 16 bytes
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}

function createCa() {
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);
  const attrs = [
    { name: 'commonName', value: 'MycoPod PVE Simulator CA' },
    { name: 'organizationName', value: 'MycoPod (development only)' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signCert(cert, keys.keyPem);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

function createServerCert(
  caCertPem: string,
  caKeyPem: string,
  hosts: string[],
) {
  const caCert = forge.pki.certificateFromPem(caCertPem);
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 2 * 365 * 24 * 3600 * 1000);
  cert.setSubject([
    { name: 'commonName', value: hosts[0] ?? 'localhost' },
    { name: 'organizationName', value: 'MycoPod PVE Simulator' },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = hosts.map(h =>
    /^[\d.]+$/.test(h) || h.includes(':')
      ? { type: 7, ip: h }
      : { type: 2, value: h },
  );
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    {
      name: 'keyUsage',
      digitalSignature: true,
      keyEncipherment: true,
      critical: true,
    },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  signCert(cert, caKeyPem);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

function writeAtomic(file: string, data: string, mode = 0o644) {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data, { mode });
  fs.renameSync(tmp, file);
}

/**
 * Prepares TLS material in `dir` (a new temp dir if omitted): reuses an
 * existing `ca.pem` + `ca-key.pem` there (so clients can keep trusting it
 * across runs) or creates a new CA, then issues a fresh server certificate
 * for localhost, 127.0.0.1, ::1 and `extraHosts`.
 */
export function prepareTls(
  dir?: string,
  extraHosts: string[] = [],
): SimulatorTls {
  const tlsDir =
    dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pve-simulator-tls-'));
  fs.mkdirSync(tlsDir, { recursive: true });
  const caCertFile = path.join(tlsDir, 'ca.pem');
  const caKeyFile = path.join(tlsDir, 'ca-key.pem');
  let ca: { certPem: string; keyPem: string } | undefined;
  if (fs.existsSync(caCertFile) && fs.existsSync(caKeyFile)) {
    try {
      const certPem = fs.readFileSync(caCertFile, 'utf8');
      const keyPem = fs.readFileSync(caKeyFile, 'utf8');
      const x = new X509Certificate(certPem);
      if (
        x.ca &&
        new Date(x.validTo).getTime() > Date.now() + 24 * 3600 * 1000
      ) {
        ca = { certPem, keyPem };
      }
    } catch {
      ca = undefined;
    }
  }
  if (!ca) {
    ca = createCa();
    writeAtomic(caKeyFile, ca.keyPem, 0o600);
    writeAtomic(caCertFile, ca.certPem);
  }
  const hosts = [...new Set(['localhost', '127.0.0.1', '::1', ...extraHosts])];
  const server = createServerCert(ca.certPem, ca.keyPem, hosts);
  writeAtomic(path.join(tlsDir, 'server-key.pem'), server.keyPem, 0o600);
  writeAtomic(path.join(tlsDir, 'server.pem'), server.certPem);
  const fingerprint = new X509Certificate(server.certPem).fingerprint256;
  return {
    dir: tlsDir,
    temporary: dir === undefined,
    caCertPem: ca.certPem,
    caCertFile,
    caKeyPem: ca.keyPem,
    serverCertPem: server.certPem,
    serverKeyPem: server.keyPem,
    serverFingerprint: fingerprint,
  };
}
