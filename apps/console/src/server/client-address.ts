/**
 * Who is on the other end of a request. The console's HTTP server writes the TCP peer into PEER_ADDRESS_HEADER
 * (see peer-address-hook.ts, installed at start; a client-sent value is replaced), and `X-Forwarded-For` is believed
 * only as far as SAMSA_TRUSTED_PROXIES says: walking it from the right, the first address that is not a trusted proxy
 * is the client. Without the hook (a request built in a test, another server) the address is 'unknown', never loopback.
 */
import { BlockList, isIP } from 'node:net';
import { log } from './log.ts';

export const PEER_ADDRESS_HEADER = 'x-samsa-peer-address';
export const UNKNOWN_ADDRESS = 'unknown';

let trusted: { spec: string; list: BlockList } | undefined;

/** SAMSA_TRUSTED_PROXIES: comma-separated addresses or CIDRs (e.g. `10.0.0.0/8, ::1`) of reverse proxies. */
export function trustedProxies(spec = process.env.SAMSA_TRUSTED_PROXIES ?? ''): BlockList {
  if (trusted?.spec === spec) return trusted.list;
  const list = new BlockList();
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const [addr = '', bits] = entry.split('/');
    const type = isIP(addr) === 6 ? 'ipv6' : isIP(addr) === 4 ? 'ipv4' : undefined;
    const prefix = bits === undefined ? undefined : Number(bits);
    if (
      !type ||
      (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= (type === 'ipv4' ? 32 : 128)))
    ) {
      log.error({ entry }, 'SAMSA_TRUSTED_PROXIES: ignoring an entry that is not an address or CIDR (e.g. 10.0.0.0/8)');
      continue;
    }
    if (prefix === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, prefix, type);
  }
  trusted = { spec, list };
  return list;
}

/** `::ffff:1.2.3.4` is the IPv4 client 1.2.3.4; brackets and zone ids are dropped. */
export function normalizeAddress(raw: string): string {
  let a = raw.trim().replace(/^\[|\]$/g, '');
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return (mapped ? mapped[1]! : a).toLowerCase();
}

function isTrusted(address: string, list: BlockList): boolean {
  const v = isIP(address);
  return v !== 0 && list.check(address, v === 6 ? 'ipv6' : 'ipv4');
}

/** The TCP peer as written by the server hook, or undefined when the hook did not run. */
export function peerAddress(req: Request): string | undefined {
  const peer = req.headers.get(PEER_ADDRESS_HEADER);
  return peer ? normalizeAddress(peer) : undefined;
}

/** The client's address: the peer, or through trusted proxies the right-most untrusted `X-Forwarded-For` entry. */
export function clientAddress(req: Request, proxies: BlockList = trustedProxies()): string {
  const peer = peerAddress(req);
  if (!peer) return UNKNOWN_ADDRESS;
  if (!isTrusted(peer, proxies)) return peer;
  const chain = (req.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map(normalizeAddress)
    .filter((a) => isIP(a) !== 0);
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!isTrusted(chain[i]!, proxies)) return chain[i]!;
  }
  return chain[0] ?? peer;
}

export function isLoopback(address: string): boolean {
  return address === '::1' || (isIP(address) === 4 && address.startsWith('127.'));
}

/**
 * True only when the request really comes from this machine: the client address is loopback and, if the peer is a
 * local proxy that is not in SAMSA_TRUSTED_PROXIES, the request carries no forwarding headers (a local reverse proxy
 * would otherwise make every remote visitor look local).
 */
export function isLocalRequest(req: Request, proxies: BlockList = trustedProxies()): boolean {
  const peer = peerAddress(req);
  if (!peer) return false;
  if (!isTrusted(peer, proxies) && (req.headers.has('x-forwarded-for') || req.headers.has('forwarded'))) return false;
  return isLoopback(clientAddress(req, proxies));
}

/**
 * The origin the client used to reach the console (for links it is shown, and the CSRF origin check): the Host
 * header, or behind a trusted proxy X-Forwarded-Host/-Proto. Not `req.url`, whose host Next.js takes from its own
 * listen address.
 */
export function requestOrigin(req: Request, proxies: BlockList = trustedProxies()): string {
  const url = new URL(req.url);
  const peer = peerAddress(req);
  const viaProxy = peer !== undefined && isTrusted(peer, proxies);
  const first = (name: string) => req.headers.get(name)?.split(',')[0]?.trim() || undefined;
  const host = (viaProxy ? first('x-forwarded-host') : undefined) ?? req.headers.get('host') ?? url.host;
  const proto = (viaProxy ? first('x-forwarded-proto') : undefined) ?? url.protocol.replace(/:$/, '');
  return `${proto}://${host}`.toLowerCase();
}
