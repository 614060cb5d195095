/**
 * Loopback baseline, receiving side: connects to the source and counts the bytes after the warm-up. The kernel reads
 * into one reusable buffer, as the load generators' connections do.
 */
import { connect } from 'node:net';
import { runWorker, tellParent, workerOptions } from '../worker-ipc.ts';

interface Options {
  port: number;
  warmupMs: number;
}

const RECEIVE_BUFFER_BYTES = 1024 * 1024;

runWorker(async () => {
  const { port, warmupMs } = workerOptions<Options>();
  let firstByteNs = 0n;
  let startNs = 0n;
  let measuring = false;
  let bytes = 0;
  const onRead = (n: number): boolean => {
    const now = process.hrtime.bigint();
    if (firstByteNs === 0n) firstByteNs = now;
    if (measuring) bytes += n;
    else if (now - firstByteNs >= BigInt(warmupMs) * 1_000_000n) {
      measuring = true;
      startNs = now;
    }
    return true;
  };
  const socket = connect({
    host: '127.0.0.1',
    port,
    onread: { buffer: Buffer.allocUnsafe(RECEIVE_BUFFER_BYTES), callback: onRead },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const ended = new Promise<number>((resolve, reject) => {
    socket.on('end', () => resolve(Number(process.hrtime.bigint() - startNs) / 1e9));
    socket.on('error', reject);
  });
  tellParent({ type: 'ready' });
  const cpuStart = process.cpuUsage();
  const seconds = await ended;
  return { bytes, seconds, cpu: process.cpuUsage(cpuStart) };
});
