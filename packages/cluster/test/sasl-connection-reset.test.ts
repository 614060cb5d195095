/**
 * A broker that resets the connection while a client signs in (kill -9 or a restart during the SASL handshake) must
 * cost that client one failed request, not its process. @platformatic/kafka 2.12.1 emitted 'error' a second time
 * once the connection had failed, with nobody listening, which crashed the console, the lag collector or the processor
 * host (a CI run of processors' host-durability test); patches/@platformatic__kafka@2.12.1.patch fixes it. The client
 * runs in a child process, so a crash is seen as one.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';

/** A listener that resets (RST) every connection as soon as its first request arrives. */
async function resettingListener(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => socket.resetAndDestroy());
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return {
    port: address.port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const CLIENT = `
import { Admin } from '@platformatic/kafka';
const admin = new Admin({
  clientId: 'reset-check',
  bootstrapBrokers: [process.argv[1]],
  sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' },
  retries: 2,
  retryDelay: 50,
  connectTimeout: 5000,
});
try {
  await admin.listTopics();
  console.log('answered');
} catch (err) {
  console.log('rejected: ' + err.message);
} finally {
  await admin.close().catch(() => {});
}
`;

test('a connection reset during SASL fails the request with an error; the client process lives on', async () => {
  const listener = await resettingListener();
  try {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CLIENT, `127.0.0.1:${listener.port}`], {
      cwd: import.meta.dirname,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, `the client process exited with ${code}: ${err.slice(-2000)}`);
    assert.match(out, /^rejected: /m, out);
  } finally {
    listener.close();
  }
});
