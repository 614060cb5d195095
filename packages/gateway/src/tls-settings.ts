/**
 * TLS settings of the gateway, read once at start: the certificate and key its listeners serve (client side) and
 * what it trusts when it reaches Kafka's SASL_SSL listeners (cluster side). An unreadable or mismatched file stops
 * the start with a message naming the file and the option.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { checkServerIdentity, createSecureContext, type PeerCertificate } from 'node:tls';
import type { GatewayConfig } from './options.ts';

/** TLS versions below this are refused both ways, as by the broker. */
export const MIN_TLS_VERSION = 'TLSv1.2';

/** What the gateway's listeners serve. */
export interface ListenerTls {
  cert: Buffer;
  key: Buffer;
}

/** How the gateway reaches Kafka over TLS. */
export interface UpstreamTls {
  /** PEM certificates trusted instead of the system's CAs; undefined: the system's. */
  ca: Buffer | undefined;
  /** The name each node's certificate must hold; undefined: the host Kafka advertises. */
  serverName: string | undefined;
}

export class TlsSettingsError extends Error {}

async function readPem(file: string, option: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new TlsSettingsError(`cannot read ${option} ${file}: ${(err as Error).message}`);
  }
}

export async function readListenerTls(config: GatewayConfig): Promise<ListenerTls | null> {
  if (!config.tls) return null;
  const cert = await readPem(config.tls.certFile, '--tls-cert-file');
  const key = await readPem(config.tls.keyFile, '--tls-key-file');
  try {
    createSecureContext({ cert, key, minVersion: MIN_TLS_VERSION });
  } catch (err) {
    throw new TlsSettingsError(
      `--tls-cert-file ${config.tls.certFile} with --tls-key-file ${config.tls.keyFile}: ${(err as Error).message} (a PEM certificate and its own PEM key)`,
    );
  }
  return { cert, key };
}

export async function readUpstreamTls(config: GatewayConfig): Promise<UpstreamTls | null> {
  const tls = config.cluster.tls;
  if (!tls) return null;
  const ca = tls.caFile === undefined ? undefined : await readPem(tls.caFile, '--cluster-ca-file');
  if (ca !== undefined) {
    try {
      createSecureContext({ ca });
    } catch (err) {
      throw new TlsSettingsError(`--cluster-ca-file ${tls.caFile}: ${(err as Error).message} (PEM certificates)`);
    }
  }
  return { ca, serverName: tls.serverName };
}

/** The options of `tls.connect` to a Kafka node at `host`: SNI only for names, the identity checked against a name. */
export function upstreamConnectOptions(tls: UpstreamTls, host: string) {
  const name = tls.serverName ?? host;
  return {
    ca: tls.ca,
    minVersion: MIN_TLS_VERSION,
    ...(isIP(name) ? {} : { servername: name }),
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(name, cert),
  } as const;
}

/**
 * A failed TLS handshake with Kafka, said with what to do next: certificate errors name --cluster-ca-file or
 * --cluster-tls-server-name; anything else suggests the node is not a TLS listener.
 */
export function describeUpstreamTlsError(err: NodeJS.ErrnoException, where: string, tls: UpstreamTls): string {
  const code = err.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `${where}: its TLS certificate does not hold the name ${tls.serverName ?? 'the gateway connected to'} (${err.message}): set --cluster-tls-server-name (SAMSA_CLUSTER_TLS_SERVER_NAME) to a name the certificates hold`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ISSUER/.test(code))
    return `${where}: its TLS certificate is not trusted (${code}: ${err.message}): give the CA that signed the cluster's certificates with --cluster-ca-file (SAMSA_CLUSTER_CA_FILE)`;
  return `${where}: TLS handshake failed (${err.message}): is this a SASL_SSL listener? Without --cluster-tls the gateway speaks SASL_PLAINTEXT`;
}
