/** Test support: a minimal Kafka client over a real socket using @samsa/protocol codecs (one connection, pipelined). */
import { connect, type Socket } from 'node:net';
import {
  type ApiDefinition,
  decodeResponse,
  encodeRequest,
  FrameAssembler,
  SaslAuthenticate,
  SaslHandshake,
} from '@samsa/protocol';

export class RawClient {
  private socket!: Socket;
  private readonly frames = new FrameAssembler(256 * 1024 * 1024);
  private nextCorrelationId = 1;
  private readonly pending: { correlationId: number; resolve: (frame: Buffer) => void; reject: (e: Error) => void }[] =
    [];
  closed = false;
  /** Responses to frames written with writeRaw (no pending request). */
  unexpectedResponses = 0;

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const c = new RawClient();
    await new Promise<void>((resolve, reject) => {
      c.socket = connect(port, host, () => resolve());
      c.socket.once('error', reject);
    });
    c.socket.on('data', (chunk) => {
      for (const frame of c.frames.push(chunk)) {
        const p = c.pending.shift();
        if (!p) {
          c.unexpectedResponses++;
          continue;
        }
        const correlationId = frame.readInt32BE(0);
        if (correlationId !== p.correlationId) {
          p.reject(new Error(`out of order: expected ${p.correlationId} got ${correlationId}`));
        } else p.resolve(frame);
      }
    });
    c.socket.on('close', () => {
      c.closed = true;
      for (const p of c.pending.splice(0)) p.reject(new Error('connection closed'));
    });
    c.socket.on('error', () => {});
    return c;
  }

  /** Sends a request and resolves with the decoded response body. */
  async request(api: ApiDefinition, version: number, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const correlationId = this.nextCorrelationId++;
    const frame = await new Promise<Buffer>((resolve, reject) => {
      this.pending.push({ correlationId, resolve, reject });
      this.socket.write(encodeRequest(api, version, correlationId, 'raw-test', body));
    });
    return decodeResponse(api, version, frame).body;
  }

  /** Authenticates with SASL/PLAIN (SaslHandshake v1 + SaslAuthenticate v2); throws with the broker's message. */
  async saslPlain(username: string, password: string): Promise<void> {
    const hs = await this.request(SaslHandshake, 1, { mechanism: 'PLAIN' });
    if (hs.errorCode !== 0) throw new Error(`SaslHandshake failed: ${hs.errorCode}`);
    const auth = await this.request(SaslAuthenticate, 2, { authBytes: Buffer.from(`\0${username}\0${password}`) });
    if (auth.errorCode !== 0) throw new Error(`SaslAuthenticate failed: ${auth.errorMessage}`);
  }

  /** Sends a request that gets no response (acks=0). */
  send(api: ApiDefinition, version: number, body: Record<string, unknown>): void {
    this.socket.write(encodeRequest(api, version, this.nextCorrelationId++, 'raw-test', body));
  }

  /** Stops reading from the socket (the broker's writes back up), until resume(). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves when the broker closes the connection. */
  waitClosed(timeoutMs = 5000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
