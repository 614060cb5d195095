/** Loopback baseline, sending side: accepts one connection and writes one large buffer over and over, as fast as the socket drains. */
import { createServer, type Socket } from 'node:net';
import { fromParent, runWorker, tellParent, workerOptions } from '../worker-ipc.ts';

interface Options {
  durationMs: number;
  writeBytes: number;
}

runWorker(async () => {
  const { durationMs, writeBytes } = workerOptions<Options>();
  const buf = Buffer.alloc(writeBytes, 0x5a);
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tellParent({ type: 'ready', port: (server.address() as { port: number }).port });
  const socket = await accepted;
  server.close();
  await fromParent('go');
  const cpuStart = process.cpuUsage();
  const deadline = Date.now() + durationMs;
  let bytes = 0;
  while (Date.now() < deadline) {
    bytes += buf.length;
    if (!socket.write(buf)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await new Promise<void>((resolve) => socket.end(resolve));
  return { bytes, cpu: process.cpuUsage(cpuStart) };
});
