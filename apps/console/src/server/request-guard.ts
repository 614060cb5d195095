/**
 * Cross-site request forgery guard for every state-changing /api/v1 call (POST, PUT, PATCH, DELETE):
 * - POST, PUT and PATCH must say `Content-Type: application/json` (an HTML form cannot, and a cross-site fetch that
 *   does needs a CORS preflight the console never answers); DELETE may carry no body or JSON;
 * - a request that carries the session cookie (and no `Authorization: Bearer`) must come from the console's own
 *   origin: `Origin` equal to the request's host, or, without Origin, `Sec-Fetch-Site: same-origin`. Any request
 *   without a bearer token whose `Origin` is another site is refused too (no sign-in CSRF). Bearer requests (CLI,
 *   scripts) need neither; a request with no cookie and no Origin (`samsa login`, curl) is not a browser's.
 */
import { readCookie, SESSION_COOKIE } from './auth.ts';
import { requestOrigin } from './client-address.ts';
import { ApiError } from './errors.ts';
import { log } from './log.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function isJson(contentType: string | null): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** The hosts this request was addressed to (Host, or through a trusted proxy X-Forwarded-Host). */
function ownHosts(req: Request): Set<string> {
  const hosts = new Set<string>([new URL(requestOrigin(req)).host]);
  const host = req.headers.get('host');
  if (host) hosts.add(host.toLowerCase());
  return hosts;
}

export function checkStateChangingRequest(req: Request): void {
  const method = req.method.toUpperCase();
  if (SAFE_METHODS.has(method)) return;
  const contentType = req.headers.get('content-type');
  if (method === 'DELETE' ? contentType !== null && !isJson(contentType) : !isJson(contentType)) {
    throw new ApiError(
      'unsupported_media_type',
      'Send the request body as JSON with the header Content-Type: application/json',
    );
  }
  if (req.headers.get('authorization')?.startsWith('Bearer ')) return;
  const origin = req.headers.get('origin');
  let sameOrigin: boolean;
  if (origin !== null) {
    let originHost: string | undefined;
    try {
      originHost = origin === 'null' ? undefined : new URL(origin).host.toLowerCase();
    } catch {
      originHost = undefined;
    }
    sameOrigin = originHost !== undefined && ownHosts(req).has(originHost);
  } else if (readCookie(req.headers.get('cookie'), SESSION_COOKIE) !== undefined) {
    sameOrigin = req.headers.get('sec-fetch-site') === 'same-origin';
  } else {
    sameOrigin = true;
  }
  if (!sameOrigin) {
    log.warn({ method, url: req.url, origin }, 'cross-site request refused');
    throw new ApiError(
      'forbidden',
      'Cross-site request refused: send it from the console itself, or authenticate with Authorization: Bearer <token>',
    );
  }
}
