/**
 * One client connection: assembles frames, decodes requests, runs handlers concurrently, and writes responses in the
 * order the requests arrived (clients rely on that order). Reading pauses while too many requests are in flight.
 * Before SASL succeeds (auth on) frames are small and the connection has a deadline; the memory a partial frame holds
 * is reserved from the broker-wide RequestBufferBudget.
 */
import type { Socket } from 'node:net';
import {
  API_VERSIONS_KEY,
  ApiVersions,
  ByteReader,
  encodeResponse,
  ErrorCode,
  FrameAssembler,
  FrameTooLargeError,
  isSupported,
  ProtocolDecodeError,
  readRequestHeader,
} from '@samsa/protocol';
import type { Logger } from 'pino';
import { HANDLERS, supportedApiVersions } from '../handlers/index.ts';
import type { ClosedReason, Metrics } from '../metrics.ts';
import { ANONYMOUS, describePrincipal, type Principal } from '../auth/principal.ts';
import { type Mechanism, type SaslExchange, type StepResult, startExchange } from '../auth/sasl-mechanisms.ts';
import type { BrokerState, ClientConnection, RequestContext } from '../request-context.ts';
import { Access, openAccess } from '../tenancy/access.ts';
import { readBufferPool } from '../buffer-pool.ts';
import { requestTimeThrottleMs } from '../tenancy/tenancy.ts';
import { ConnectionMute } from './connection-mute.ts';
import type { RateLimitedLog } from './rate-limited-log.ts';
import type { BufferOwner, RequestBufferBudget } from './request-buffer-budget.ts';

/**
 * Version discovery and authentication (ApiVersions, SaslHandshake, SaslAuthenticate): the APIs a client may call
 * before it has authenticated, and the ones the request quota never throttles, as in Kafka.
 */
const HANDSHAKE_APIS = new Set([18, 17, 36]);

function releaseReadBuffers(chunks: Buffer[]): void {
  for (const c of chunks) readBufferPool.release(c);
}

/** Bound on SASL steps in one exchange (SCRAM needs two). */
const MAX_SASL_STEPS = 4;

interface Slot {
  done: boolean;
  chunks: Buffer[] | null;
  /** The request's frame bytes, held in the RequestBufferBudget until its response is written. */
  requestBytes: number;
  owner: BufferOwner;
}

export interface ConnectionOptions {
  /** Largest frame once authenticated (or when auth is off). */
  maxRequestBytes: number;
  /** Largest frame before SASL has succeeded (auth on): Kafka's sasl.server.max.receive.size. */
  maxPreAuthRequestBytes: number;
  /** Close the connection if SASL has not succeeded within this time (auth on). */
  authTimeoutMs: number;
  /** Broker-wide memory for partially received frames. */
  requestBuffer: RequestBufferBudget;
  /** Warnings for connections closed at a limit, at most one per reason a second (a flood must not flood the log). */
  limitLog: RateLimitedLog;
  maxInflightRequests: number;
  /** Stop reading requests while more than this many response bytes wait in the socket (a client not reading). */
  maxPendingWriteBytes: number;
}

let nextConnectionId = 1;

/** What the server gives a connection: the broker's state, and a place to say it closed. */
export interface ConnectionHost extends BrokerState {
  connectionClosed(conn: Connection): void;
}

export class Connection implements ClientConnection {
  readonly id = nextConnectionId++;
  readonly remote: string;
  readonly remoteAddress: string;
  private readonly socket: Socket;
  private readonly frames: FrameAssembler;
  private readonly queue: Slot[] = [];
  private readonly opts: ConnectionOptions;
  private readonly state: ConnectionHost;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private paused = false;
  private closed = false;
  private inflight = 0;
  private drainWaiters: (() => void)[] = [];
  /** What this connection may see and do; anonymous until SASL succeeds when auth is on. */
  access: Access;
  private sasl: { mechanism: Mechanism; exchange: SaslExchange; steps: number; raw: boolean } | null = null;
  private readonly muting = new ConnectionMute(() => this.updateReading());
  private countedTenantId: string | null = null;
  /** SASL must succeed before anything but the handshake APIs (tenancy on). */
  private readonly requiresAuth: boolean;
  private authTimer: NodeJS.Timeout | null = null;
  /** Set when SASL failed: no further frame is processed, even one already received in the same chunk. */
  private refusingFrames = false;
  /** Last time a request arrived or a response was written: the idle timeout counts from here. */
  private lastActivityMs = Date.now();
  /** Bytes of the RequestBufferBudget held for the frame being received, and on whose account. */
  private reservedBytes = 0;
  private reservedOwner: BufferOwner = 'unauthenticated';
  private waitingForBuffer = false;
  /** Bytes of the requests read and not yet answered: reading pauses at --max-request-bytes of them. */
  private inflightRequestBytes = 0;
  private readonly onBufferFreed = () => this.holdPartialFrame();

  constructor(socket: Socket, state: ConnectionHost, opts: ConnectionOptions) {
    this.socket = socket;
    this.state = state;
    this.opts = opts;
    this.metrics = state.metrics;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.access = state.tenancy
      ? new Access(ANONYMOUS, this.remoteAddress, state.tenancy.authorizer)
      : openAccess(this.remoteAddress);
    this.log = state.logger.child({ conn: this.id, remote: this.remote });
    this.requiresAuth = state.tenancy !== null;
    this.frames = new FrameAssembler(this.requiresAuth ? opts.maxPreAuthRequestBytes : opts.maxRequestBytes);
    if (this.requiresAuth) {
      this.authTimer = setTimeout(() => {
        this.authTimer = null;
        if (this.isAuthenticated) return;
        this.closeFor('auth_timeout', `not authenticated within ${opts.authTimeoutMs} ms (--auth-timeout-ms)`, {
          authTimeoutMs: opts.authTimeoutMs,
        });
      }, opts.authTimeoutMs);
    }
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
      this.waitingForBuffer ||
      this.muting.mutedAt(Date.now()) ||
      this.inflight >= this.opts.maxInflightRequests ||
      this.inflightRequestBytes >= this.opts.maxRequestBytes ||
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

  /**
   * Closes for a limit the client hit: samsa_connections_closed_total{reason}, and a warning with the reason code
   * (rate-limited per reason, with the count of those suppressed).
   */
  closeFor(reason: ClosedReason, message: string, fields: Record<string, unknown> = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.metrics.connectionsClosed.inc(reason);
    this.opts.limitLog.warn(reason, { conn: this.id, remote: this.remote, reason, ...fields }, message);
    this.socket.destroy();
  }

  /**
   * How long this connection has been idle: no request in flight (a long-polling Fetch is busy), not muted or waiting
   * for the request buffer, and no request received or response queued for that long. A client that stops reading
   * its responses is idle too: reading from it paused, so it can send nothing more.
   */
  idleMs(nowMs: number): number {
    if (this.inflight > 0 || this.waitingForBuffer || this.muting.mutedAt(nowMs)) {
      return 0;
    }
    return nowMs - this.lastActivityMs;
  }

  /** Closes once every response queued so far has been written (e.g. after an authentication failure). */
  closeWhenFlushed(reason: string): void {
    this.stopReading();
    void this.drained().then(() => {
      if (this.closed) return;
      this.socket.end();
      this.log.info({ reason }, 'closing connection');
      this.closed = true;
    });
  }

  /** Stop reading new requests (shutdown); in-flight ones are still answered. */
  stopReading(): void {
    this.socket.pause();
    this.paused = true;
  }

  private onClose(): void {
    this.closed = true;
    this.muting.clear();
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
    this.holdPartialFrame();
    if (this.countedTenantId !== null) this.state.tenancy?.releaseConnection(this.countedTenantId);
    this.countedTenantId = null;
    this.state.connectionClosed(this);
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.refusingFrames) return;
    this.metrics.bytesIn.inc(chunk.length);
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      if (err instanceof FrameTooLargeError) {
        // Refused from its size prefix alone: nothing of the frame is kept.
        const preAuth = this.requiresAuth && !this.isAuthenticated;
        this.closeFor(
          preAuth ? 'pre_auth_frame_too_large' : 'frame_too_large',
          preAuth
            ? 'frame too large before authentication (--max-pre-auth-request-bytes)'
            : 'frame too large (--max-request-bytes)',
          { err: err.message, maxFrameBytes: this.frames.maxFrameBytes },
        );
        return;
      }
      this.log.warn({ err: (err as Error).message }, 'malformed frame');
      this.close('malformed frame');
      return;
    }
    for (const frame of frames) {
      if (this.closed || this.refusingFrames) return;
      this.lastActivityMs = Date.now();
      this.onFrame(frame);
    }
    this.holdPartialFrame();
  }

  /**
   * Keeps the reservation in the RequestBufferBudget equal to what the frame being received will occupy. If it does
   * not fit, an unauthenticated connection is closed and an authenticated one stops being read until room is freed.
   */
  private holdPartialFrame(): void {
    const budget = this.opts.requestBuffer;
    const owner = this.bufferOwner();
    const neededBytes = this.closed ? 0 : this.frames.partialFrameBytes;
    if (neededBytes <= this.reservedBytes && (owner === this.reservedOwner || neededBytes === 0)) {
      budget.release(this.reservedBytes - neededBytes, this.reservedOwner);
      this.reservedBytes = neededBytes;
      this.stopWaitingForBuffer();
      return;
    }
    // A different owner (just authenticated) or a larger frame: give back the old reservation, take the new one.
    budget.release(this.reservedBytes, this.reservedOwner);
    this.reservedBytes = 0;
    if (budget.tryReserve(neededBytes, owner)) {
      this.reservedBytes = neededBytes;
      this.reservedOwner = owner;
      this.stopWaitingForBuffer();
      return;
    }
    if (owner === 'unauthenticated') {
      this.closeFor(
        'buffer_budget',
        'request buffer full for unauthenticated connections (--max-buffered-request-bytes)',
        {
          frameBytes: neededBytes,
          unauthenticatedBytes: budget.unauthenticatedBytes,
          maxUnauthenticatedBytes: budget.maxUnauthenticatedBytes,
        },
      );
      return;
    }
    if (!this.waitingForBuffer) {
      this.waitingForBuffer = true;
      budget.wait(this.onBufferFreed);
      this.log.debug({ frameBytes: neededBytes }, 'request buffer full: reading paused until room is freed');
      this.updateReading();
    }
  }

  private bufferOwner(): BufferOwner {
    return this.requiresAuth && !this.isAuthenticated ? 'unauthenticated' : 'authenticated';
  }

  private stopWaitingForBuffer(): void {
    if (!this.waitingForBuffer) return;
    this.waitingForBuffer = false;
    this.opts.requestBuffer.cancel(this.onBufferFreed);
    this.updateReading();
  }

  private onFrame(frame: Buffer): void {
    if (this.sasl?.raw) {
      this.onRawSaslToken(frame);
      return;
    }
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
    if (this.state.tenancy && this.access.principal.kind === 'anonymous' && !HANDSHAKE_APIS.has(header.apiKey)) {
      this.log.warn({ apiKey: header.apiKey }, 'request before authentication');
      this.close('request before SASL authentication');
      return;
    }
    const registered = HANDLERS.get(header.apiKey);
    if (!registered) {
      this.log.warn({ apiKey: header.apiKey }, 'unknown api key');
      this.close(`unknown api key ${header.apiKey}`);
      return;
    }
    const api = registered.api;
    if (!isSupported(api, header.apiVersion)) {
      if (header.apiKey === API_VERSIONS_KEY) {
        // KIP-511: answer in the v0 layout with UNSUPPORTED_VERSION and our ranges, so the client can retry.
        const slot = this.enqueue(frame.length);
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
    let handle: ReturnType<typeof registered.decode>;
    try {
      handle = registered.decode(header.apiVersion, r);
    } catch (err) {
      this.log.warn({ api: api.name, version: header.apiVersion, err: (err as Error).message }, 'malformed request');
      this.close('malformed request');
      return;
    }
    const slot = this.enqueue(frame.length);
    const ctx: RequestContext = {
      state: this.state,
      header,
      version: header.apiVersion,
      connection: this,
      log: this.log,
      access: this.access,
    };
    let result: ReturnType<typeof handle>;
    try {
      result = handle(ctx);
    } catch (err) {
      result = Promise.reject(err);
    }
    // Event-loop time spent on this request so far (decode and the synchronous part of the handler): the request
    // quota counts it, plus the encoding below.
    const syncNs = process.hrtime.bigint() - startedNs;
    Promise.resolve(result).then(
      (response) => {
        const quotaCharged = response !== null && !HANDSHAKE_APIS.has(header.apiKey);
        const encodeStartedNs = process.hrtime.bigint();
        if (quotaCharged) this.throttleRequest(response, syncNs);
        slot.chunks = response === null ? null : encodeResponse(api, header.apiVersion, header.correlationId, response);
        if (quotaCharged) this.chargeRequestTime(process.hrtime.bigint() - encodeStartedNs);
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

  // ------------------------------------------------------------------ request quota

  /**
   * Kafka's request quota: the time this request took on the event loop counts against the tenant's request
   * percentage; over it, the response says how long to wait (throttle_time_ms) and this connection is muted.
   */
  private throttleRequest(response: Record<string, unknown>, threadNs: bigint): void {
    const throttleMs = requestTimeThrottleMs(this.state.tenancy, this.access.principal, Number(threadNs) / 1e6);
    if (throttleMs <= 0) return;
    if (typeof response.throttleTimeMs === 'number') {
      response.throttleTimeMs = Math.max(response.throttleTimeMs, throttleMs);
    }
    this.mute(throttleMs);
  }

  /** Time spent after the throttle was decided (encoding) is charged to the next request's accounting. */
  private chargeRequestTime(threadNs: bigint): void {
    requestTimeThrottleMs(this.state.tenancy, this.access.principal, Number(threadNs) / 1e6);
  }

  // ------------------------------------------------------------------ SASL

  /** SaslHandshake chose a mechanism; with handshake v0 the next frames are raw SASL tokens. */
  beginSasl(mechanism: Mechanism, raw: boolean): void {
    this.sasl = { mechanism, exchange: startExchange(mechanism, this.state.tenancy!.credentials), steps: 0, raw };
  }

  get isAuthenticated(): boolean {
    return this.access.principal.kind !== 'anonymous';
  }

  /** Feeds one client SASL message; on success the connection becomes that principal. */
  saslStep(bytes: Buffer): StepResult {
    const tenancy = this.state.tenancy;
    if (!tenancy || !this.sasl) {
      this.saslFailed();
      return { kind: 'failure', message: 'SaslHandshake must come first' };
    }
    if (++this.sasl.steps > MAX_SASL_STEPS) {
      this.saslFailed();
      return { kind: 'failure', message: 'too many SASL steps' };
    }
    const result = this.sasl.exchange.step(bytes);
    if (result.kind !== 'success') {
      if (result.kind === 'failure') {
        this.log.warn({ mechanism: this.sasl.mechanism, reason: result.message }, 'authentication failed');
        this.saslFailed();
      }
      return result;
    }
    const principal = tenancy.principalFor(result.username, result.authzid);
    if ('error' in principal) {
      this.log.warn(
        { mechanism: this.sasl.mechanism, username: result.username, authzid: result.authzid, reason: principal.error },
        'authentication refused',
      );
      this.saslFailed();
      return { kind: 'failure', message: principal.error };
    }
    if (principal.kind === 'tenant') {
      if (!tenancy.acquireConnection(principal.tenant.id)) {
        const limit = principal.tenant.quota.maxConnections;
        const message = `connection quota exceeded: tenant '${principal.tenant.slug}' allows ${limit} connections`;
        this.log.warn({ tenant: principal.tenant.slug, reason: 'tenant_quota', limit }, message);
        this.metrics.connectionsRefused.inc('tenant_quota');
        this.saslFailed();
        return { kind: 'failure', message };
      }
      this.countedTenantId = principal.tenant.id;
    }
    this.authenticated(principal);
    return result;
  }

  /**
   * A failed authentication ends the connection: frames the client pipelined behind it (another guess, a request
   * hoping to run) are dropped unread, and the connection closes once the failure response is written.
   */
  private saslFailed(): void {
    if (this.refusingFrames) return;
    this.refusingFrames = true;
    this.metrics.connectionsClosed.inc('sasl_failed');
    this.closeWhenFlushed('SASL authentication failed');
  }

  private authenticated(principal: Principal): void {
    this.access = new Access(principal, this.remoteAddress, this.state.tenancy!.authorizer);
    this.sasl = null;
    this.frames.maxFrameBytes = this.opts.maxRequestBytes;
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
    this.log.info({ principal: describePrincipal(principal) }, 'authenticated');
  }

  /** Handshake v0: a SASL token framed only by its size; the answer is framed the same way. */
  private onRawSaslToken(token: Buffer): void {
    const slot = this.enqueue(token.length);
    const result = this.saslStep(token);
    slot.done = true;
    if (result.kind === 'failure') {
      this.flush();
      this.close(`SASL authentication failed: ${result.message}`);
      return;
    }
    const size = Buffer.alloc(4);
    size.writeInt32BE(result.bytes.length);
    slot.chunks = [size, result.bytes];
    this.flush();
  }

  /** Re-checks the principal against a new metadata view; revoked keys and suspended tenants are cut off. */
  revalidate(): void {
    const tenancy = this.state.tenancy;
    if (!tenancy || this.closed || !this.isAuthenticated) return;
    if (!tenancy.stillValid(this.access.principal)) {
      this.log.warn({ principal: describePrincipal(this.access.principal) }, 'credentials revoked or tenant suspended');
      this.close('credentials revoked or tenant suspended');
    }
  }

  /** Kafka-style quota throttling: stop reading from this client for `throttleMs`. */
  mute(throttleMs: number): void {
    if (this.closed) return;
    this.muting.mute(throttleMs);
  }

  /**
   * Queues a request's answer. Its frame stays in memory until then, so it stays counted: in the broker-wide budget
   * (already in memory, so counted even over it; partial frames then wait) and in this connection's requests in flight.
   */
  private enqueue(frameBytes: number): Slot {
    const owner = this.bufferOwner();
    const slot: Slot = { done: false, chunks: null, requestBytes: 4 + frameBytes, owner };
    this.opts.requestBuffer.reserveReceived(slot.requestBytes, owner);
    this.inflightRequestBytes += slot.requestBytes;
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
      this.inflightRequestBytes -= slot.requestBytes;
      this.opts.requestBuffer.release(slot.requestBytes, slot.owner);
      if (slot.chunks && writable) {
        const chunks = slot.chunks;
        for (let i = 0; i < chunks.length; i++) {
          const c = chunks[i]!;
          // The last chunk's callback means the whole response is written (a stream calls back in order): only then
          // may the Fetch buffers in it be reused. After an error they are left to the GC.
          if (i === chunks.length - 1) this.socket.write(c, (err) => err || releaseReadBuffers(chunks));
          else this.socket.write(c);
          this.metrics.bytesOut.inc(c.length);
        }
      }
    }
    if (writable) this.socket.uncork();
    this.lastActivityMs = Date.now();
    this.updateReading();
    if (this.inflight === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }
}
