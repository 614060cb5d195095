/**
 * Who may create the first platform admin through /setup: a browser on the console's own machine (loopback, see
 * client-address.ts), or anyone holding the one-time setup token `samsa start` generates and prints at every start
 * (passed to the console process as SAMSA_SETUP_TOKEN and kept only in its memory; set it yourself when the console
 * runs on its own, e.g. in docker). Once an admin exists, setup is closed whatever the token.
 */
import { timingSafeEqual } from 'node:crypto';
import { sha256 } from './auth.ts';
import { isLocalRequest } from './client-address.ts';
import { ApiError } from './errors.ts';
import { log } from './log.ts';

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(sha256(a), 'hex'), Buffer.from(sha256(b), 'hex'));
}

/** Throws `forbidden` unless the request is local or carries the setup token. */
export function checkSetupAccess(req: Request, setupToken: string | undefined): void {
  if (isLocalRequest(req)) return;
  const expected = process.env.SAMSA_SETUP_TOKEN;
  if (expected && setupToken && sameSecret(setupToken, expected)) return;
  log.warn({ url: req.url }, 'first-admin setup refused: not from loopback and no valid setup token');
  throw new ApiError(
    'forbidden',
    expected
      ? 'Setup from another machine needs the setup token that `samsa start` printed; or open the console on its own machine'
      : "Setup is only allowed from the console's own machine (loopback), or with SAMSA_SETUP_TOKEN set on the console",
    setupToken ? { setupToken: ['Wrong setup token'] } : undefined,
  );
}
