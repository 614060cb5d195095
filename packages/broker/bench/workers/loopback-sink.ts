/** Loopback baseline, receiving side: accepts one TCP connection and counts the bytes after the warm-up. */
import { createServer } from 'node:net';
import { runWorker, tellParent, workerOptions } from '../worker-ipc.ts';

interface Options {
  warmupMs: number;
}

runWorker(async () => {
  const { warmupMs } = workerOptions<Options>();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const done = new Promise<{ bytes: number; seconds: number }>((resolve, reject) => {
    server.once('connection', (socket) => {
      server.close();
      let firstByteNs = 0n;
      let measuring = false;
      let startNs = 0n;
      let bytes = 0;
      socket.on('data', (chunk: Buffer) => {
        const now = process.hrtime.bigint();
        if (firstByteNs === 0n) firstByteNs = now;
        if (!measuring && now - firstByteNs >= BigInt(warmupMs) * 1_000_000n) {
          measuring = true;
          startNs = now;
          return;
        }
        if (measuring) bytes += chunk.length;
      });
      socket.on('end', () => resolve({ bytes, seconds: Number(process.hrtime.bigint() - startNs) / 1e9 }));
      socket.on('error', reject);
    });
  });
  tellParent({ type: 'ready', port });
  const { bytes, seconds } = await done;
  return { bytes, seconds, cpu: process.cpuUsage() };
});
