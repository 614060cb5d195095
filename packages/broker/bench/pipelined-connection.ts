/**
 * PipelinedConnection: the load generators' Kafka connection. It sends requests encoded once (only the correlation id
 * changes, written into a fresh 12-byte header), has the kernel read responses straight into one reusable receive
 * buffer (no per-chunk allocation, no reassembly copy of large Fetch responses) and matches responses in order, so
 * the client costs next to nothing and the figures measure the broker.
 */
import { connect, type Socket } from 'node:net';
import { type ApiDefinition, decodeResponse, encodeRequest } from '@samsa/protocol';

/** size(4) apiKey(2) apiVersion(2) correlationId(4): the part of a request that changes from one send to the next. */
const HEAD_BYTES = 12;
const CORRELATION_ID_AT = 8;
const MAX_RESPONSE_BYTES = 512 * 1024 * 1024;
const INITIAL_RECEIVE_BUFFER_BYTES = 1024 * 1024;
/** Compact the receive buffer when less than this is free after the received bytes and no frame is being filled. */
const MIN_READ_BYTES = 64 * 1024;
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

/** Gets a response frame (correlation id first). The frame is a view of the receive buffer: valid only during the call. */
type OnResponse = (frame: Buffer) => void;

export class PipelinedConnection {
  private readonly socket: Socket;
  /** Received bytes not yet delivered are recv[start, end). */
  private recv = Buffer.allocUnsafe(INITIAL_RECEIVE_BUFFER_BYTES);
  private start = 0;
  private end = 0;
  private readonly pending: { correlationId: number; onResponse: OnResponse; onError?: (err: Error) => void }[] = [];
  private nextCorrelationId = 1;
  private failure: Error | null = null;
  private readonly onFailure: (err: Error) => void;

  private constructor(host: string, port: number, onFailure: (err: Error) => void) {
    this.onFailure = onFailure;
    this.socket = connect({
      host,
      port,
      onread: { buffer: () => this.recv.subarray(this.end), callback: (n: number) => this.onRead(n) },
    });
    this.socket.setNoDelay(true);
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('connection closed by the broker')));
  }

  /** Connects; `onFailure` is called once if the connection breaks later. */
  static open(host: string, port: number, onFailure: (err: Error) => void): Promise<PipelinedConnection> {
    return new Promise((resolve, reject) => {
      let connected = false;
      const conn = new PipelinedConnection(host, port, (err) => (connected ? onFailure(err) : reject(err)));
      conn.socket.once('connect', () => {
        connected = true;
        resolve(conn);
      });
    });
  }

  get inflight(): number {
    return this.pending.length;
  }

  /**
   * Sends a pre-encoded request; `onResponse` gets the response frame (correlation id first), or `onError` the
   * connection's failure if it breaks first.
   */
  send(req: PreEncodedRequest, onResponse: OnResponse, onError?: (err: Error) => void): void {
    if (this.failure) throw this.failure;
    if (this.pending.length >= MAX_PENDING_REQUESTS) throw new Error(`more than ${MAX_PENDING_REQUESTS} pending`);
    const correlationId = this.nextCorrelationId++;
    const head = Buffer.allocUnsafe(HEAD_BYTES);
    req.head.copy(head);
    head.writeInt32BE(correlationId, CORRELATION_ID_AT);
    this.pending.push({ correlationId, onResponse, onError });
    this.socket.cork();
    this.socket.write(head);
    this.socket.write(req.rest);
    this.socket.uncork();
  }

  /**
   * Encodes, sends and decodes one request, for setup and pacing paths where encoding and copying cost does not
   * matter: the response is decoded from a copy, so its byte fields stay valid.
   */
  request(api: ApiDefinition, version: number, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      try {
        this.send(
          preEncode(api, version, body),
          (frame) => {
            try {
              resolve(decodeResponse(api, version, Buffer.from(frame)).body);
            } catch (err) {
              reject(err);
            }
          },
          reject,
        );
      } catch (err) {
        reject(err);
      }
    });
  }

  close(): void {
    this.failure ??= new Error('connection closed');
    this.socket.destroy();
  }

  /** Delivers every frame completed by `n` more bytes; true keeps the socket reading. */
  private onRead(n: number): boolean {
    this.end += n;
    while (this.end - this.start >= 4 && this.failure === null) {
      const size = this.recv.readInt32BE(this.start);
      if (size < 4 || size > MAX_RESPONSE_BYTES) {
        this.fail(new Error(`response frame of ${size} bytes is outside [4, ${MAX_RESPONSE_BYTES}]`));
        return false;
      }
      if (this.end - this.start < 4 + size) {
        this.makeRoom(4 + size);
        return true;
      }
      const frame = this.recv.subarray(this.start + 4, this.start + 4 + size);
      this.start += 4 + size;
      const p = this.pending.shift();
      const correlationId = frame.readInt32BE(0);
      if (!p || p.correlationId !== correlationId) {
        this.fail(new Error(`response ${correlationId} does not match request ${p?.correlationId ?? 'none'}`));
        return false;
      }
      p.onResponse(frame);
    }
    if (this.start === this.end) this.start = this.end = 0;
    else if (this.recv.length - this.end < MIN_READ_BYTES) this.makeRoom(MIN_READ_BYTES);
    return true;
  }

  /** Ensures recv[start, start + bytes) fits, moving the pending bytes to the front or into a larger buffer. */
  private makeRoom(bytes: number): void {
    if (this.start + bytes <= this.recv.length) return;
    const pending = this.end - this.start;
    if (bytes > this.recv.length) {
      let capacity = this.recv.length;
      while (capacity < bytes) capacity *= 2;
      const next = Buffer.allocUnsafe(capacity);
      this.recv.copy(next, 0, this.start, this.end);
      this.recv = next;
    } else {
      this.recv.copyWithin(0, this.start, this.end);
    }
    this.start = 0;
    this.end = pending;
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.socket.destroy();
    for (const p of this.pending.splice(0)) p.onError?.(err);
    this.onFailure(err);
  }
}
