/**
 * Writes each HTTP request's TCP peer address into PEER_ADDRESS_HEADER before Next.js sees the request, replacing
 * whatever the client sent, so client-address.ts never has to trust a header a client can forge. Installed once per
 * process from instrumentation.ts (it patches http.Server's `request` event on the prototype, which covers the server
 * `next start` has already created).
 */
import { type IncomingMessage, Server } from 'node:http';
import { PEER_ADDRESS_HEADER } from './client-address.ts';

const INSTALLED = Symbol.for('samsa.peerAddressHook');

export function stampPeerAddress(req: IncomingMessage): void {
  req.headers[PEER_ADDRESS_HEADER] = req.socket.remoteAddress ?? '';
}

export function installPeerAddressHook(): void {
  const proto = Server.prototype as unknown as Record<symbol, unknown> & { emit: Server['emit'] };
  if (proto[INSTALLED]) return;
  proto[INSTALLED] = true;
  const emit = proto.emit;
  proto.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'request') stampPeerAddress(args[0] as IncomingMessage);
    return (emit as (...a: unknown[]) => boolean).apply(this, [event, ...args]);
  } as Server['emit'];
}
