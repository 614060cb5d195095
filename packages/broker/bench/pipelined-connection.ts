/**
 * PipelinedConnection: the load generators' Kafka connection. It sends requests encoded once (only the correlation id
 * changes, written into a fresh 12-byte header) and matches responses in order, so the client costs next to nothing
 * and the figures measure the broker.
 */
import { connect, type Socket } from 'node:net';
import { type ApiDefinition, decodeResponse, encodeRequest, FrameAssembler } from '@samsa/protocol';

/** size(4) apiKey(2) apiVersion(2) correlationId(4): the part of a request that changes from one send to the next. */
const HEAD_BYTES = 12;
const CORRELATION_ID_AT = 8;
const MAX_RESPONSE_BYTES = 512 * 1024 * 1024;
const MAX_PENDING_REQUESTS = 1024;
const CLIENT_ID = 'samsa-bench';

/** A request encoded once and sent many times. */
export interface PreEncodedRequest {
  api: ApiDefinition;
  version: number;
  head: Buffer;
  rest: Buffer;
}

export function preEncode(api: ApiDefinition, version: number, body: Record<string, unknown>): PreEncodedRequest {
  const frame = encodeRequest(api, version, 0, CLIENT_ID, body);
  return { api, version, head: frame.subarray(0, HEAD_BYTES), rest: frame.subarray(HEAD_BYTES) };
}

type OnResponse = (frame: Buffer) => void;

export class PipelinedConnection {
  private readonly socket: Socket;
  private readonly frames = new FrameAssembler(MAX_RESPONSE_BYTES);
  private readonly pending: { correlationId: number; onResponse: OnResponse }[] = [];
  private nextCorrelationId = 1;
  private failure: Error | null = null;
  private readonly onFailure: (err: Error) => void;

  private constructor(socket: Socket, onFailure: (err: Error) => void) {
    this.socket = socket;
    this.onFailure = onFailure;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed by the broker')));
  }

  /** Connects; `onFailure` is called once if the connection breaks while requests are pending. */
  static open(host: string, port: number, onFailure: (err: Error) => void): Promise<PipelinedConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new PipelinedConnection(socket, onFailure));
      });
      socket.once('error', reject);
    });
  }

  get inflight(): number {
    return this.pending.length;
  }

  /** Sends a pre-encoded request; `onResponse` gets the response frame (correlation id first). */
  send(req: PreEncodedRequest, onResponse: OnResponse): void {
    if (this.failure) throw this.failure;
    if (this.pending.length >= MAX_PENDING_REQUESTS) throw new Error(`more than ${MAX_PENDING_REQUESTS} pending`);
    const correlationId = this.nextCorrelationId++;
    const head = Buffer.allocUnsafe(HEAD_BYTES);
    req.head.copy(head);
    head.writeInt32BE(correlationId, CORRELATION_ID_AT);
    this.pending.push({ correlationId, onResponse });
    this.socket.cork();
    this.socket.write(head);
    this.socket.write(req.rest);
    this.socket.uncork();
  }

  /** Encodes, sends and decodes one request (setup and pacing paths, where encoding cost does not matter). */
  request(api: ApiDefinition, version: number, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      try {
        this.send(preEncode(api, version, body), (frame) => {
          try {
            resolve(decodeResponse(api, version, frame).body);
          } catch (err) {
            reject(err);
          }
        });
      } catch (err) {
        reject(err);
      }
    });
  }

  close(): void {
    this.failure ??= new Error('connection closed');
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    for (const frame of frames) {
      const p = this.pending.shift();
      const correlationId = frame.readInt32BE(0);
      if (!p || p.correlationId !== correlationId) {
        this.fail(new Error(`response ${correlationId} does not match request ${p?.correlationId ?? 'none'}`));
        return;
      }
      p.onResponse(frame);
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.socket.destroy();
    this.onFailure(err);
  }
}
