/**
 * Hostile clients for the `hostile` phase: until its deadline it keeps a connection flood, slowloris partial frames,
 * oversized pre-authentication frames and random or mutated frames going against the broker, each from its own
 * loopback address (127.0.0.2 and up) so the per-address cap meets the attackers, not the measured producer. Every
 * loop has a bounded number of sockets and stops by itself.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { ApiVersions, encodeBatch, encodeRequest, Metadata, Produce, SaslHandshake } from '@samsa/protocol';
import { fromParent, runWorker, tellParent, workerOptions } from '../worker-ipc.ts';

export interface HostileClientsOptions {
  port: number;
  durationMs: number;
  /** Silent connections the flood tries to hold open (above the broker's per-address cap on purpose). */
  floodConnections: number;
  /** Connections trickling one byte of a large declared frame at a time. */
  slowlorisConnections: number;
  /** Concurrent loops sending oversized frames, and random or mutated frames. */
  oversizedLoops: number;
  garbageLoops: number;
}

interface Counts {
  connectionsOpened: number;
  connectFailures: number;
  closedByBroker: number;
  bytesSent: number;
  framesSent: number;
}

const counts: Counts = { connectionsOpened: 0, connectFailures: 0, closedByBroker: 0, bytesSent: 0, framesSent: 0 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connects from `localAddress`; resolves with the socket and a promise of its close, or null if refused. */
function open(port: number, localAddress: string): Promise<{ socket: Socket; closed: Promise<void> } | null> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.once('connect', () => {
      counts.connectionsOpened++;
      resolve({ socket, closed });
    });
    closed.then(() => resolve(null));
  });
}

function write(socket: Socket, bytes: Buffer): void {
  if (socket.destroyed) return;
  counts.bytesSent += bytes.length;
  counts.framesSent++;
  socket.write(bytes);
}

function sizePrefix(size: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(size);
  return b;
}

/** Runs `loop` in `n` concurrent copies until the deadline; each copy sleeps a little after a failed connect. */
async function repeat(n: number, deadlineMs: number, loop: () => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (Date.now() < deadlineMs) {
        await loop().catch(() => {
          counts.connectFailures++;
        });
        await sleep(5);
      }
    }),
  );
}

/** Waits for the broker to close the socket, at most `ms`, then closes it from this side. */
async function closeAfter(c: { socket: Socket; closed: Promise<void> }, ms: number): Promise<void> {
  const byBroker = await Promise.race([c.closed.then(() => true), sleep(ms).then(() => false)]);
  if (byBroker) counts.closedByBroker++;
  c.socket.destroy();
}

/** Valid requests to mutate: what a client sends before authenticating, and a Produce it may not send. */
function validFrames(): Buffer[] {
  return [
    encodeRequest(ApiVersions, 3, 1, 'hostile', { clientSoftwareName: 'x', clientSoftwareVersion: '1' }),
    encodeRequest(SaslHandshake, 1, 2, 'hostile', { mechanism: 'SCRAM-SHA-512' }),
    encodeRequest(Metadata, 9, 3, 'hostile', { topics: null, allowAutoTopicCreation: true }),
    encodeRequest(Produce, 9, 4, 'hostile', {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        { name: 'orders', partitionData: [{ index: 0, records: encodeBatch({ records: [{ value: 'x' }] }) }] },
      ],
    }),
  ];
}

runWorker(async () => {
  const o = workerOptions<HostileClientsOptions>();
  const frames = validFrames();
  tellParent({ type: 'ready' });
  await fromParent('go');
  const deadlineMs = Date.now() + o.durationMs;
  const held = new Set<Socket>();

  const flood = repeat(o.floodConnections, deadlineMs, async () => {
    const c = await open(o.port, '127.0.0.2');
    if (!c) return;
    held.add(c.socket);
    await closeAfter(c, Math.max(0, deadlineMs - Date.now()));
    held.delete(c.socket);
  });

  const slowloris = repeat(o.slowlorisConnections, deadlineMs, async () => {
    const c = await open(o.port, '127.0.0.3');
    if (!c) return;
    // A frame of just under the pre-authentication limit, one byte at a time.
    write(c.socket, sizePrefix(500_000));
    let done = false;
    c.closed.then(() => {
      done = true;
    });
    while (!done && Date.now() < deadlineMs) {
      write(c.socket, Buffer.from([0]));
      await sleep(200);
    }
    if (done) counts.closedByBroker++;
    c.socket.destroy();
  });

  const oversized = repeat(o.oversizedLoops, deadlineMs, async () => {
    const c = await open(o.port, '127.0.0.4');
    if (!c) return;
    write(c.socket, Buffer.concat([sizePrefix(100 * 1024 * 1024), Buffer.alloc(256 * 1024)]));
    await closeAfter(c, 1000);
  });

  const garbage = repeat(o.garbageLoops, deadlineMs, async () => {
    const c = await open(o.port, '127.0.0.5');
    if (!c) return;
    for (let i = 0; i < 8 && !c.socket.destroyed; i++) {
      if (Math.random() < 0.3) {
        write(c.socket, randomBytes(1 + Math.floor(Math.random() * 2000)));
      } else {
        const frame = Buffer.from(frames[Math.floor(Math.random() * frames.length)]!);
        for (let m = 0; m < 1 + Math.floor(Math.random() * 3); m++) {
          frame[4 + Math.floor(Math.random() * (frame.length - 4))] = Math.floor(Math.random() * 256);
        }
        write(c.socket, frame);
      }
    }
    await closeAfter(c, 50);
  });

  await Promise.all([flood, slowloris, oversized, garbage]);
  for (const s of held) s.destroy();
  return { ...counts };
});
