/**
 * One client connection: assembles frames, decodes requests, runs handlers concurrently, and writes responses in the
 * order the requests arrived (clients rely on that order). Reading pauses while too many requests are in flight.
 */
import type { Socket } from 'node:net';
import {
  API_BY_KEY,
  API_VERSIONS_KEY,
  ApiVersions,
  ByteReader,
  decodeRequestBody,
  encodeResponse,
  ErrorCode,
  FrameAssembler,
  isSupported,
  ProtocolDecodeError,
  readRequestHeader,
} from '@samsa/protocol';
import type { Logger } from 'pino';
import { HANDLERS, supportedApiVersions } from '../handlers/index.ts';
import type { Metrics } from '../metrics.ts';
import type { BrokerState, RequestContext } from '../request-context.ts';

interface Slot {
  done: boolean;
  chunks: Buffer[] | null;
}

export interface ConnectionOptions {
  maxRequestBytes: number;
  maxInflightRequests: number;
  /** Stop reading requests while more than this many response bytes wait in the socket (a client not reading). */
  maxPendingWriteBytes: number;
}

let nextConnectionId = 1;

export class Connection {
  readonly id = nextConnectionId++;
  readonly remote: string;
  readonly remoteAddress: string;
  private readonly socket: Socket;
  private readonly frames: FrameAssembler;
  private readonly queue: Slot[] = [];
  private readonly opts: ConnectionOptions;
  private readonly state: BrokerState;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private paused = false;
  private closed = false;
  private inflight = 0;
  private drainWaiters: (() => void)[] = [];

  constructor(socket: Socket, state: BrokerState, opts: ConnectionOptions) {
    this.socket = socket;
    this.state = state;
    this.opts = opts;
    this.metrics = state.metrics;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.log = state.logger.child({ conn: this.id, remote: this.remote });
    this.frames = new FrameAssembler(opts.maxRequestBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'socket error'));
    socket.on('close', () => this.onClose());
    socket.on('drain', () => this.updateReading());
  }

  /** Reads pause while too many requests are in flight or too many response bytes are unsent; resume otherwise. */
  private updateReading(): void {
    if (this.closed) return;
    const shouldPause =
      this.state.stopping ||
      this.inflight >= this.opts.maxInflightRequests ||
      this.socket.writableLength > this.opts.maxPendingWriteBytes;
    if (shouldPause && !this.paused) {
      this.socket.pause();
      this.paused = true;
    } else if (!shouldPause && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Resolves when every request read so far has been answered (for graceful shutdown). */
  drained(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.log.info({ reason }, 'closing connection');
    this.socket.destroy();
  }

  /** Stop reading new requests (shutdown); in-flight ones are still answered. */
  stopReading(): void {
    this.socket.pause();
    this.paused = true;
  }

  private onClose(): void {
    this.closed = true;
    this.state.connectionClosed(this);
  }

  private onData(chunk: Buffer): void {
    this.metrics.bytesIn.inc(chunk.length);
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'malformed frame');
      this.close('malformed frame');
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    const startedNs = process.hrtime.bigint();
    let header: ReturnType<typeof readRequestHeader>;
    const r = new ByteReader(frame);
    try {
      header = readRequestHeader(r);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'malformed request header');
      this.close('malformed request header');
      return;
    }
    const api = API_BY_KEY.get(header.apiKey);
    const handler = HANDLERS.get(header.apiKey);
    if (!api || !handler) {
      this.log.warn({ apiKey: header.apiKey }, 'unknown api key');
      this.close(`unknown api key ${header.apiKey}`);
      return;
    }
    if (!isSupported(api, header.apiVersion)) {
      if (header.apiKey === API_VERSIONS_KEY) {
        // KIP-511: answer in the v0 layout with UNSUPPORTED_VERSION and our ranges, so the client can retry.
        const slot = this.enqueue();
        slot.chunks = encodeResponse(ApiVersions, 0, header.correlationId, {
          errorCode: ErrorCode.UNSUPPORTED_VERSION,
          apiKeys: supportedApiVersions(),
        });
        slot.done = true;
        this.flush();
        return;
      }
      this.log.warn({ api: api.name, version: header.apiVersion }, 'unsupported api version');
      this.close(`unsupported version ${header.apiVersion} of ${api.name}`);
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = decodeRequestBody(api, header.apiVersion, r);
    } catch (err) {
      this.log.warn({ api: api.name, version: header.apiVersion, err: (err as Error).message }, 'malformed request');
      this.close('malformed request');
      return;
    }
    const slot = this.enqueue();
    const ctx: RequestContext = {
      state: this.state,
      header,
      version: header.apiVersion,
      connection: this,
      log: this.log,
    };
    let result: ReturnType<typeof handler>;
    try {
      result = handler(ctx, body);
    } catch (err) {
      result = Promise.reject(err);
    }
    Promise.resolve(result).then(
      (response) => {
        slot.chunks = response === null ? null : encodeResponse(api, header.apiVersion, header.correlationId, response);
        slot.done = true;
        this.metrics.observeRequest(api.name, Number(process.hrtime.bigint() - startedNs) / 1e9);
        this.flush();
      },
      (err) => {
        const isDecode = err instanceof ProtocolDecodeError;
        this.log.error({ api: api.name, err: (err as Error).stack }, 'request failed');
        slot.done = true;
        slot.chunks = null;
        this.flush();
        this.close(isDecode ? 'malformed request' : 'internal error');
      },
    );
  }

  private enqueue(): Slot {
    const slot: Slot = { done: false, chunks: null };
    this.queue.push(slot);
    this.inflight++;
    this.updateReading();
    return slot;
  }

  /** Writes every finished response at the head of the queue, in request order, in one corked batch. */
  private flush(): void {
    if (this.queue.length === 0 || !this.queue[0]!.done) return;
    const writable = !this.closed && !this.socket.destroyed;
    if (writable) this.socket.cork();
    while (this.queue.length > 0 && this.queue[0]!.done) {
      const slot = this.queue.shift()!;
      this.inflight--;
      if (slot.chunks && writable) {
        for (const c of slot.chunks) {
          this.socket.write(c);
          this.metrics.bytesOut.inc(c.length);
        }
      }
    }
    if (writable) this.socket.uncork();
    this.updateReading();
    if (this.inflight === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }
}
