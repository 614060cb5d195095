/** Loopback baseline, sending side: writes one large buffer over and over, as fast as the socket drains. */
import { connect } from 'node:net';
import { fromParent, runWorker, tellParent, workerOptions } from '../worker-ipc.ts';

interface Options {
  port: number;
  durationMs: number;
  writeBytes: number;
}

runWorker(async () => {
  const { port, durationMs, writeBytes } = workerOptions<Options>();
  const buf = Buffer.alloc(writeBytes, 0x5a);
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  tellParent({ type: 'ready' });
  await fromParent('go');
  const deadline = Date.now() + durationMs;
  let bytes = 0;
  while (Date.now() < deadline) {
    bytes += buf.length;
    if (!socket.write(buf)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await new Promise<void>((resolve) => socket.end(resolve));
  return { bytes, cpu: process.cpuUsage() };
});
