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
/** Throughput is also recorded per window, so the run can show how steady it was. */
const WINDOW_NS = 250_000_000n;
const MAX_WINDOWS = 1000;

runWorker(async () => {
  const { port, warmupMs } = workerOptions<Options>();
  let firstByteNs = 0n;
  let startNs = 0n;
  let measuring = false;
  let bytes = 0;
  let windowStartNs = 0n;
  let cpuStart = process.cpuUsage();
  let windowBytes = 0;
  const windowMBps: number[] = [];
  const onRead = (n: number): boolean => {
    const now = process.hrtime.bigint();
    if (firstByteNs === 0n) firstByteNs = now;
    if (measuring) {
      bytes += n;
      windowBytes += n;
      if (now - windowStartNs >= WINDOW_NS && windowMBps.length < MAX_WINDOWS) {
        windowMBps.push(windowBytes / 1e6 / (Number(now - windowStartNs) / 1e9));
        windowStartNs = now;
        windowBytes = 0;
      }
    } else if (now - firstByteNs >= BigInt(warmupMs) * 1_000_000n) {
      measuring = true;
      startNs = windowStartNs = now;
      cpuStart = process.cpuUsage();
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
  const seconds = await ended;
  return { bytes, seconds, windowMBps, cpu: process.cpuUsage(cpuStart) };
});
