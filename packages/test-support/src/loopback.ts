/** Test support: an HTTP server on a free loopback port (an "internal service"), and a loopback port nobody serves. */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function listenOnLoopback(handler: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A port that was free a moment ago and is closed now. */
export async function closedLoopbackPort(): Promise<number> {
  const { server, port } = await listenOnLoopback(() => {});
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
