/**
 * Where alert webhooks may go. A tenant admin chooses the URL, and the console process that sends it sits inside
 * the operator's network, so without a rule a webhook is a request forgery tool: loopback services, private
 * ranges, the cloud metadata address, and a port scanner through the test button. By default every address a
 * webhook host resolves to must be a public unicast address; the operator may allow private destinations
 * (`allowPrivate`, SAMSA_WEBHOOK_ALLOW_PRIVATE) or some ranges (`allowedCidrs`, SAMSA_WEBHOOK_ALLOWED_CIDRS).
 *
 * `postWebhook` resolves the host once, checks EVERY address, and connects only to the checked addresses (a
 * pinned lookup), so DNS cannot answer differently between the check and the connection. Redirects are never
 * followed: a 3xx is the delivery's outcome, so a redirect cannot lead the request somewhere unchecked.
 * Network failures are reported to the tenant as one message (no refused-vs-timeout detail to map ports with).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

export interface WebhookDestinationPolicy {
  /** Allow every address, private ones included (a closed network where alert receivers are internal). */
  allowPrivate: boolean;
  /** Ranges allowed even though they are not public, e.g. `10.20.0.0/16` for an internal alert receiver. */
  allowedCidrs: string[];
}

export const DEFAULT_WEBHOOK_DESTINATION_POLICY: WebhookDestinationPolicy = { allowPrivate: false, allowedCidrs: [] };

export type DestinationRefusal = 'bad_url' | 'unresolvable' | 'not_public';

/** A webhook URL the policy refuses; `message` is safe to show the tenant and says what to do. */
export class WebhookDestinationError extends Error {
  override readonly name = 'WebhookDestinationError';
  readonly reason: DestinationRefusal;
  constructor(reason: DestinationRefusal, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Ranges that are not public unicast, with what to call them in an error. */
const NON_PUBLIC: [label: string, family: 'ipv4' | 'ipv6', network: string, prefix: number][] = [
  ['the unspecified / "this network" range', 'ipv4', '0.0.0.0', 8],
  ['a private network (10.0.0.0/8)', 'ipv4', '10.0.0.0', 8],
  ['carrier-grade NAT space (100.64.0.0/10)', 'ipv4', '100.64.0.0', 10],
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['link-local (169.254.0.0/16, includes the cloud metadata address)', 'ipv4', '169.254.0.0', 16],
  ['a private network (172.16.0.0/12)', 'ipv4', '172.16.0.0', 12],
  ['IETF protocol assignments (192.0.0.0/24)', 'ipv4', '192.0.0.0', 24],
  ['documentation space', 'ipv4', '192.0.2.0', 24],
  ['a private network (192.168.0.0/16)', 'ipv4', '192.168.0.0', 16],
  ['benchmarking space (198.18.0.0/15)', 'ipv4', '198.18.0.0', 15],
  ['documentation space', 'ipv4', '198.51.100.0', 24],
  ['documentation space', 'ipv4', '203.0.113.0', 24],
  ['multicast', 'ipv4', '224.0.0.0', 4],
  ['reserved space (240.0.0.0/4, includes broadcast)', 'ipv4', '240.0.0.0', 4],
  ['the unspecified address', 'ipv6', '::', 128],
  ['loopback', 'ipv6', '::1', 128],
  ['the discard range (100::/64)', 'ipv6', '100::', 64],
  ['documentation space', 'ipv6', '2001:db8::', 32],
  ['unique local (fc00::/7)', 'ipv6', 'fc00::', 7],
  ['link-local (fe80::/10)', 'ipv6', 'fe80::', 10],
  ['site-local (fec0::/10)', 'ipv6', 'fec0::', 10],
  ['multicast', 'ipv6', 'ff00::', 8],
];

const nonPublic = NON_PUBLIC.map(([label, family, network, prefix]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { label, family, list };
});

/** The 16 bytes of an IPv6 address (zone id dropped), or null. */
function ipv6Bytes(address: string): Buffer | null {
  const ip = address.replace(/%.*$/, '');
  if (isIP(ip) !== 6) return null;
  let head = ip;
  const tail: number[] = [];
  const dotted = ip.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    head = dotted[1].endsWith('::') ? dotted[1] : dotted[1].slice(0, -1);
    const v4 = dotted[2].split('.').map(Number);
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, null];
  const words = (s: string) => (s === '' ? [] : s.split(':').map((w) => Number.parseInt(w, 16)));
  const l = words(left);
  const r = right === null ? [] : words(right);
  const fill = 8 - l.length - r.length - tail.length;
  const all = [...l, ...(right === null ? [] : new Array(fill).fill(0)), ...r, ...tail];
  if (all.length !== 8) return null;
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) out.writeUInt16BE(all[i], i * 2);
  return out;
}

/** The IPv4 address an IPv6 address carries (mapped, IPv4-compatible, NAT64, 6to4), or null. */
export function embeddedIPv4(address: string): string | null {
  const b = ipv6Bytes(address);
  if (!b) return null;
  const zero = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  const v4 = (at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated; not :: or ::1, which are their own ranges).
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12);
  if (zero(0, 12) && !zero(12, 15)) return v4(12);
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix).
  if (b.readUInt32BE(0) === 0x0064ff9b && zero(4, 12)) return v4(12);
  // 2002:AABB:CCDD::/48 (6to4).
  if (b.readUInt16BE(0) === 0x2002) return v4(2);
  return null;
}

/** Why `address` is not a public unicast address, or null when it is. */
export function nonPublicReason(address: string): string | null {
  const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
  if (family === 'ipv6') {
    const inner = embeddedIPv4(address);
    if (inner !== null) {
      const reason = nonPublicReason(inner);
      return reason === null ? null : `${reason}, as an IPv6 form of ${inner}`;
    }
  }
  const ip = address.replace(/%.*$/, '');
  for (const range of nonPublic) if (range.family === family && range.list.check(ip, family)) return range.label;
  return null;
}

/** Parses `allowedCidrs` entries (`10.0.0.0/8`, `fd00::/8`, or one address); throws naming a bad entry. */
export function parseCidrs(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const raw of cidrs) {
    const entry = raw.trim();
    if (!entry) continue;
    const [ip, prefixText] = entry.split('/');
    const version = isIP(ip);
    const prefix = prefixText === undefined ? (version === 4 ? 32 : 128) : Number(prefixText);
    if (version === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (version === 4 ? 32 : 128))
      throw new Error(`'${entry}' is not a CIDR range (e.g. 10.20.0.0/16 or fd00::/8)`);
    list.addSubnet(ip, prefix, version === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

/** The operator's policy from SAMSA_WEBHOOK_ALLOW_PRIVATE and SAMSA_WEBHOOK_ALLOWED_CIDRS (comma-separated). */
export const WebhookDestinationEnvSchema = z.object({
  SAMSA_WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((v) => v === 'true' || v === '1'),
  SAMSA_WEBHOOK_ALLOWED_CIDRS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      const list = (s ?? '')
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean);
      try {
        parseCidrs(list);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
      return list;
    }),
});

export function webhookDestinationPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookDestinationPolicy {
  const e = WebhookDestinationEnvSchema.parse(env);
  return { allowPrivate: e.SAMSA_WEBHOOK_ALLOW_PRIVATE, allowedCidrs: e.SAMSA_WEBHOOK_ALLOWED_CIDRS };
}

const OPERATOR_HINT =
  'alerts may only go to public addresses unless the operator allows others ' +
  '(SAMSA_WEBHOOK_ALLOW_PRIVATE=true, or SAMSA_WEBHOOK_ALLOWED_CIDRS)';

/** Resolves a host name to all its addresses (the system resolver by default; tests pass their own). */
export type HostResolver = (host: string, timeoutMs: number) => Promise<LookupAddress[]>;

const resolveAll: HostResolver = (host, timeoutMs) => {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`DNS lookup took longer than ${timeoutMs} ms`)), timeoutMs);
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(addresses);
    });
  });
};

export interface CheckedDestination {
  url: URL;
  /** Every address the host resolved to, all allowed: the only ones a delivery may connect to. */
  addresses: LookupAddress[];
}

/**
 * Resolves the URL's host and checks every address against the policy; throws a WebhookDestinationError whose
 * message names the host, the address and why (never anything about ports or reachability).
 */
export async function checkWebhookDestination(
  rawUrl: string,
  policy: WebhookDestinationPolicy = DEFAULT_WEBHOOK_DESTINATION_POLICY,
  options: { dnsTimeoutMs?: number; resolve?: HostResolver } = {},
): Promise<CheckedDestination> {
  if (!URL.canParse(rawUrl)) throw new WebhookDestinationError('bad_url', 'The webhook URL is not a valid URL');
  const url = new URL(rawUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WebhookDestinationError('bad_url', 'The webhook URL must be http:// or https://');
  // The WHATWG parser has already turned 2130706433, 0x7f.1 and friends into dotted quads.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: LookupAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await (options.resolve ?? resolveAll)(host, options.dnsTimeoutMs ?? 5_000);
    } catch {
      throw new WebhookDestinationError('unresolvable', `The webhook host ${host} could not be resolved`);
    }
    if (addresses.length === 0)
      throw new WebhookDestinationError('unresolvable', `The webhook host ${host} has no addresses`);
  }
  if (!policy.allowPrivate) {
    const allowed = parseCidrs(policy.allowedCidrs);
    for (const a of addresses) {
      const reason = nonPublicReason(a.address);
      if (reason === null) continue;
      const family = a.family === 4 ? 'ipv4' : 'ipv6';
      const inner = family === 'ipv6' ? embeddedIPv4(a.address) : null;
      if (allowed.check(a.address.replace(/%.*$/, ''), family) || (inner !== null && allowed.check(inner, 'ipv4')))
        continue;
      const via = a.address === host ? '' : ` (${host} resolves to ${a.address})`;
      throw new WebhookDestinationError(
        'not_public',
        `The webhook destination ${host}${via} is ${reason}: ${OPERATOR_HINT}`,
      );
    }
  }
  return { url, addresses };
}

export interface WebhookPostResult {
  status: number;
}

/** A delivery that got no HTTP response; `message` is what the tenant sees, `cause` is for the server log. */
export class WebhookNetworkError extends Error {
  override readonly name = 'WebhookNetworkError';
}

/** Response bytes read (and discarded) at most; a receiver has nothing to tell us beyond its status. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs `body` to a checked destination, connecting only to its checked addresses; resolves with the HTTP
 * status (redirects are not followed). Rejects with WebhookDestinationError (refused, nothing sent) or
 * WebhookNetworkError (no response, one message for refused, reset and timed out).
 */
export async function postWebhook(
  rawUrl: string,
  init: { headers: Record<string, string>; body: string; timeoutMs: number },
  policy: WebhookDestinationPolicy = DEFAULT_WEBHOOK_DESTINATION_POLICY,
  options: { resolve?: HostResolver } = {},
): Promise<WebhookPostResult> {
  const { url, addresses } = await checkWebhookDestination(rawUrl, policy, {
    dnsTimeoutMs: init.timeoutMs,
    resolve: options.resolve,
  });
  const pinned = (
    _hostname: string,
    options: { all?: boolean },
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<WebhookPostResult>((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
      lookup: pinned as never,
      agent: false,
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    req.on('response', (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) res.destroy();
      });
      res.on('close', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', () => {});
    });
    req.on('error', (err) =>
      reject(
        new WebhookNetworkError(
          `No HTTP response from the webhook within ${init.timeoutMs} ms (connection failed, reset or timed out)`,
          { cause: err },
        ),
      ),
    );
    req.end(init.body);
  });
}
