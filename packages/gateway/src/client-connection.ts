/**
 * GatewayConnection: one client connection to the gateway. Before SASL succeeds it accepts only ApiVersions and SASL
 * frames, small ones, within a deadline (as the broker does). SASL terminates here, against Samsa's keys (the broker's
 * own exchange and tenancy rules); then the connection signs in to its Kafka node as the key's SCRAM user and
 * forwards each request through its API's rewrite. Requests reach Kafka in the order they arrived and answers go back
 * in that order, with the client's correlation ids; a request the gateway does not rewrite closes the connection.
 */
import type { Socket } from 'node:net';
import { Access } from '@samsa/broker/access';
import { ConnectionMute } from '@samsa/broker/connection-mute';
import { ANONYMOUS, describePrincipal, type Principal } from '@samsa/broker/principal';
import { MECHANISMS, type Mechanism, type SaslExchange, startExchange } from '@samsa/broker/sasl-mechanisms';
import {
  API_VERSIONS_KEY,
  ApiVersions,
  ByteReader,
  decodeRequestBody,
  encodeResponse,
  ErrorCode,
  FrameAssembler,
  FrameTooLargeError,
  Metadata,
  readRequestHeader,
  SaslAuthenticate,
  SaslHandshake,
} from '@samsa/protocol';
import type { Logger } from 'pino';
import { byteQuotaThrottleMs } from './byte-quotas.ts';
import type { GatewayCore } from './gateway-core.ts';
import { REWRITES, type RewriteContext } from './rewrite/index.ts';
import { type UpstreamConnection, UpstreamAuthError } from './upstream.ts';
import { upstreamIdentity } from './upstream-identity.ts';

const SASL_HANDSHAKE_KEY = 17;
const SASL_AUTHENTICATE_KEY = 36;
const HANDSHAKE_APIS = new Set([API_VERSIONS_KEY, SASL_HANDSHAKE_KEY, SASL_AUTHENTICATE_KEY]);
/** Bound on SASL steps in one exchange (SCRAM needs two). */
const MAX_SASL_STEPS = 4;
/** The Metadata version the gateway asks with to learn a tenant's topic ids (10+ carries ids). */
const TOPIC_ID_METADATA_VERSION = 12;

interface Slot {
  done: boolean;
  chunks: Buffer[] | null;
}

let nextConnectionId = 1;

export class GatewayConnection {
  readonly id = nextConnectionId++;
  readonly remoteAddress: string;
  private readonly socket: Socket;
  private readonly core: GatewayCore;
  /** The Kafka node this listener serves; null for the bootstrap listener (any node). */
  private readonly nodeId: number | null;
  private readonly log: Logger;
  private readonly frames: FrameAssembler;
  private readonly queue: Slot[] = [];
  private access: Access;
  private sasl: { mechanism: Mechanism; exchange: SaslExchange; steps: number; raw: boolean } | null = null;
  private upstream: UpstreamConnection | null = null;
  /** Requests are rewritten and written to Kafka one after another, in arrival order. */
  private sendChain: Promise<void> = Promise.resolve();
  private authTimer: NodeJS.Timeout | null;
  private refusingFrames = false;
  private closed = false;
  private paused = false;
  private countedTenantId: string | null = null;
  private readonly rewriteContext: RewriteContext;
  private readonly muting = new ConnectionMute(() => this.updateReading());
  /** Frames that arrived while a SASL step was being decided: run after it, in order. */
  private held: Buffer[] | null = null;

  constructor(socket: Socket, core: GatewayCore, nodeId: number | null) {
    this.socket = socket;
    this.core = core;
    this.nodeId = nodeId;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.log = core.log.child({ conn: this.id, remote: `${socket.remoteAddress}:${socket.remotePort}`, node: nodeId });
    this.access = new Access(ANONYMOUS, this.remoteAddress, core.tenancy.authorizer);
    this.frames = new FrameAssembler(core.config.maxPreAuthRequestBytes);
    this.authTimer = setTimeout(() => {
      this.authTimer = null;
      if (this.isAuthenticated) return;
      this.core.metrics.closed('auth_timeout');
      this.close(`not authenticated within ${core.config.authTimeoutMs} ms`);
    }, core.config.authTimeoutMs);
    const connection = this;
    this.rewriteContext = {
      get access() {
        return connection.access;
      },
      topicIds: core.topicIds,
      limits: core.limits,
      groupProtocolTypes: new Map(),
      refreshTopicIds: () => this.refreshTopicIds(),
      gatewayAddress: (id, host, port) => core.gatewayAddress(id, host, port),
    };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'socket error'));
    socket.on('close', () => this.onClose());
    socket.on('drain', () => this.updateReading());
  }

  get isAuthenticated(): boolean {
    return this.access.principal.kind !== 'anonymous';
  }

  get principal(): Principal {
    return this.access.principal;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.log.info({ reason }, 'closing connection');
    this.socket.destroy();
    this.upstream?.close();
  }

  /** Closes once every answer queued so far is written (after a SASL failure). */
  private closeWhenFlushed(reason: string): void {
    this.refusingFrames = true;
    this.socket.pause();
    const check = () => {
      if (this.queue.length > 0 && !this.closed) return setTimeout(check, 10).unref();
      if (!this.closed) {
        this.closed = true;
        this.log.info({ reason }, 'closing connection');
        this.socket.end();
        this.upstream?.close();
      }
    };
    check();
  }

  private onClose(): void {
    this.closed = true;
    if (this.authTimer) clearTimeout(this.authTimer);
    this.muting.clear();
    this.upstream?.close();
    if (this.countedTenantId !== null) this.core.tenancy.releaseConnection(this.countedTenantId);
    this.countedTenantId = null;
    this.core.connectionClosed(this);
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.refusingFrames) return;
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      const preAuth = !this.isAuthenticated;
      this.core.metrics.closed(preAuth ? 'pre_auth_frame_too_large' : 'frame_too_large');
      this.log.warn(
        { err: (err as Error).message, maxFrameBytes: this.frames.maxFrameBytes },
        err instanceof FrameTooLargeError
          ? preAuth
            ? 'frame too large before authentication (maxPreAuthRequestBytes)'
            : 'frame too large (maxRequestBytes)'
          : 'malformed frame',
      );
      this.close('frame refused');
      return;
    }
    this.runFrames(frames);
  }

  private runFrames(frames: Buffer[]): void {
    for (let i = 0; i < frames.length; i++) {
      if (this.closed || this.refusingFrames) return;
      if (this.held !== null) {
        this.held.push(...frames.slice(i));
        // Frames pipelined behind a SASL step are few (a client waits for its answer): many is a flood.
        if (this.held.length > this.core.config.maxInflightRequestsPerConnection)
          this.close('too many frames during SASL');
        return;
      }
      this.onFrame(frames[i]!);
    }
  }

  private onFrame(frame: Buffer): void {
    if (this.sasl?.raw && !this.isAuthenticated) {
      this.onRawSaslToken(frame);
      return;
    }
    const r = new ByteReader(frame);
    let header: ReturnType<typeof readRequestHeader>;
    try {
      header = readRequestHeader(r);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'malformed request header');
      this.close('malformed request header');
      return;
    }
    if (!this.isAuthenticated && !HANDSHAKE_APIS.has(header.apiKey)) {
      this.core.metrics.closed('request_before_auth');
      this.log.warn({ apiKey: header.apiKey }, 'request before SASL authentication');
      this.close('request before SASL authentication');
      return;
    }
    const range = this.core.advertised.get(header.apiKey);
    if (header.apiKey === API_VERSIONS_KEY) {
      this.answerApiVersions(header.apiVersion, header.correlationId);
      return;
    }
    if (!range || header.apiVersion < range.minVersion || header.apiVersion > range.maxVersion) {
      this.core.metrics.closed('unsupported_api');
      this.log.warn(
        { apiKey: header.apiKey, version: header.apiVersion },
        'API or version the gateway does not rewrite: refused (never passed to the cluster raw)',
      );
      this.close(`unsupported API ${header.apiKey} v${header.apiVersion}`);
      return;
    }
    if (header.apiKey === SASL_HANDSHAKE_KEY) {
      this.answer(SaslHandshake, header.apiVersion, header.correlationId, this.handshake(r, header.apiVersion));
      return;
    }
    if (header.apiKey === SASL_AUTHENTICATE_KEY) {
      let authBytes: Buffer;
      try {
        authBytes = Buffer.from(decodeRequestBody(SaslAuthenticate, header.apiVersion, r).authBytes);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'malformed SaslAuthenticate');
        this.close('malformed request');
        return;
      }
      this.saslStep(authBytes, (body) =>
        encodeResponse(SaslAuthenticate, header.apiVersion, header.correlationId, body),
      );
      return;
    }
    this.forward(r, header.apiKey, header.apiVersion, header.correlationId);
  }

  private answerApiVersions(version: number, correlationId: number): void {
    const supported = version >= 0 && version <= 4;
    const apiKeys = [...this.core.advertised.values()];
    this.answer(ApiVersions, supported ? version : 0, correlationId, {
      errorCode: supported ? ErrorCode.NONE : ErrorCode.UNSUPPORTED_VERSION,
      apiKeys,
      throttleTimeMs: 0,
      // No `transaction.version` feature, as the broker: clients keep to transaction version 1 (AddPartitionsToTxn,
      // EndTxn up to v4), which Kafka serves alongside version 2 and the gateway rewrites (rewrite/transactions.ts).
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
    });
  }

  private answer(
    api: typeof ApiVersions | typeof SaslHandshake,
    version: number,
    correlationId: number,
    body: Record<string, unknown>,
  ): void {
    const slot = this.enqueue();
    this.finish(slot, encodeResponse(api, version, correlationId, body));
  }

  // ------------------------------------------------------------------ SASL

  private handshake(r: ByteReader, version: number): Record<string, unknown> {
    const req = decodeRequestBody(SaslHandshake, version, r);
    if (this.isAuthenticated) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [...MECHANISMS] };
    const mechanism = MECHANISMS.find((m) => m === req.mechanism);
    if (mechanism === undefined)
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [...MECHANISMS] };
    this.sasl = {
      mechanism,
      exchange: startExchange(mechanism, this.core.tenancy.credentials),
      steps: 0,
      raw: version === 0,
    };
    return { errorCode: ErrorCode.NONE, mechanisms: [...MECHANISMS] };
  }

  private saslFailure(message: string): Record<string, unknown> {
    this.core.metrics.closed('sasl_failed');
    this.closeWhenFlushed('SASL authentication failed');
    return {
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: message,
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 0n,
    };
  }

  /**
   * Runs one SASL step and answers it with `encode` (a SaslAuthenticate answer, or after SaslHandshake v0 a raw
   * token). Frames behind it wait until the step (and the sign-in to Kafka) is done.
   */
  private saslStep(authBytes: Buffer, encode: (body: Record<string, any>) => Buffer[]): void {
    const slot = this.enqueue();
    this.held = [];
    void this.authenticate(authBytes)
      .catch((err) => this.saslFailure(`Authentication failed: ${(err as Error).message}`))
      .then((body) => {
        this.finish(slot, encode(body));
        const held = this.held ?? [];
        this.held = null;
        this.runFrames(held);
      });
  }

  /** SaslHandshake v0: the next frames are raw SASL tokens, answered framed only by their size. */
  private onRawSaslToken(token: Buffer): void {
    this.saslStep(token, (body) => {
      if (body.errorCode !== ErrorCode.NONE) return [];
      const bytes = body.authBytes as Buffer;
      const size = Buffer.alloc(4);
      size.writeInt32BE(bytes.length);
      return [size, bytes];
    });
  }

  private async authenticate(authBytes: Buffer): Promise<Record<string, unknown>> {
    if (!this.sasl || this.isAuthenticated) return this.saslFailure('SaslHandshake must come first');
    if (++this.sasl.steps > MAX_SASL_STEPS) return this.saslFailure('too many SASL steps');
    const result = this.sasl.exchange.step(authBytes);
    if (result.kind === 'challenge') {
      return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: result.bytes, sessionLifetimeMs: 0n };
    }
    const mechanism = this.sasl.mechanism;
    if (result.kind === 'failure') {
      this.log.warn({ mechanism, reason: result.message }, 'authentication failed');
      return this.saslFailure(result.message);
    }
    // The broker's rules: a key is its tenant; only the platform superuser may name an authorization id (acting
    // for a tenant or one of its processors); without one the superuser gets the platform view.
    const principal = this.core.tenancy.principalFor(result.username, result.authzid);
    if ('error' in principal || principal.kind === 'anonymous') {
      const message = 'error' in principal ? principal.error : 'Authentication failed: anonymous';
      this.log.warn(
        { mechanism, username: result.username, authzid: result.authzid, reason: message },
        'authentication refused',
      );
      return this.saslFailure(message);
    }
    if (principal.kind === 'tenant') {
      if (!this.core.tenancy.acquireConnection(principal.tenant.id)) {
        const message = `connection quota exceeded: tenant '${principal.tenant.slug}' allows ${principal.tenant.quota.maxConnections} connections`;
        this.log.warn({ tenant: principal.tenant.slug, reason: 'tenant_quota' }, message);
        return this.saslFailure(message);
      }
      this.countedTenantId = principal.tenant.id;
    }
    this.frames.maxFrameBytes = this.core.config.maxRequestBytes;
    try {
      this.upstream = await this.core.openUpstream(principal, this.nodeId);
    } catch (err) {
      const message =
        err instanceof UpstreamAuthError && upstreamIdentity(principal).kind === 'admin'
          ? `Authentication failed: the cluster refused the gateway's admin principal (${err.message}); check SAMSA_CLUSTER_SASL_USERNAME and _PASSWORD`
          : err instanceof UpstreamAuthError
            ? `Authentication failed: the cluster refused this key's user (${err.message}); an operator must run \`samsa cluster reconcile\``
            : `Authentication failed: the gateway could not reach the cluster (${(err as Error).message}); retry later`;
      this.log.warn(
        { principal: describePrincipal(principal), err: (err as Error).message },
        'upstream sign-in failed',
      );
      return this.saslFailure(message);
    }
    if (this.closed) {
      this.upstream.close();
      return this.saslFailure('connection closed');
    }
    this.upstream.onClose((err) => {
      if (!this.closed) this.log.info({ err: err.message }, 'Kafka connection lost');
      this.close('Kafka connection lost');
    });
    this.access = new Access(principal, this.remoteAddress, this.core.tenancy.authorizer);
    this.sasl = null;
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
    this.log.info({ principal: describePrincipal(principal) }, 'authenticated');
    return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: result.bytes, sessionLifetimeMs: 0n };
  }

  /** Re-checks the principal against a new metadata view; revoked keys and suspended tenants are cut off. */
  revalidate(): void {
    if (this.closed || !this.isAuthenticated) return;
    if (!this.core.tenancy.stillValid(this.access.principal)) {
      this.log.warn({ principal: describePrincipal(this.access.principal) }, 'credentials revoked or tenant suspended');
      this.close('credentials revoked or tenant suspended');
    }
  }

  // ------------------------------------------------------------------ forwarding

  private forward(r: ByteReader, apiKey: number, version: number, correlationId: number): void {
    const rewrite = REWRITES.get(apiKey)!;
    const api = rewrite.api;
    let req: Record<string, any>;
    try {
      req = decodeRequestBody(api, version, r);
    } catch (err) {
      this.log.warn({ api: api.name, version, err: (err as Error).message }, 'malformed request');
      this.close('malformed request');
      return;
    }
    const noAnswer = apiKey === 0 && req.acks === 0;
    const slot = noAnswer ? null : this.enqueue();
    const startedMs = Date.now();
    this.sendChain = this.sendChain.then(async () => {
      if (this.closed) return;
      try {
        const rewritten = await rewrite.request(this.rewriteContext, req, version);
        if ('answer' in rewritten) {
          if (slot !== null) this.finish(slot, encodeResponse(api, version, correlationId, rewritten.answer));
          return;
        }
        const upstream = this.upstream!;
        if (slot === null) {
          upstream.sendWithoutAnswer(api, version, rewritten.send);
          this.mute(byteQuotaThrottleMs(this.core.tenancy, this.principal, apiKey, rewritten.send, null));
          return;
        }
        const answer = upstream.send(api, version, rewritten.send, rewrite.waitsMs?.(req) ?? 0);
        // The answer is awaited outside the chain: the next request is written without waiting for this one.
        void answer
          .then(async (res) => {
            await rewrite.response(this.rewriteContext, res, version);
            rewritten.merge?.(res);
            const throttleMs = byteQuotaThrottleMs(this.core.tenancy, this.principal, apiKey, rewritten.send, res);
            if (throttleMs > 0) {
              res.throttleTimeMs = Math.max(Number(res.throttleTimeMs ?? 0), throttleMs);
              this.mute(throttleMs);
            }
            this.core.metrics.request(api.name, Date.now() - startedMs);
            this.finish(slot, encodeResponse(api, version, correlationId, res));
          })
          .catch((err) => this.failed(api.name, err as Error));
      } catch (err) {
        this.failed(api.name, err as Error);
      }
    });
  }

  private failed(apiName: string, err: Error): void {
    if (this.closed) return;
    this.log.warn({ api: apiName, err: err.message }, 'request failed: closing the connection');
    this.close(`${apiName} failed`);
  }

  /** Asks the cluster for every topic this tenant's user may see, and learns their ids (Fetch v13+ names by id). */
  private async refreshTopicIds(): Promise<void> {
    const upstream = this.upstream;
    // The superuser's platform view keeps its ids under '' (no tenant id is empty).
    const tenantId = this.access.tenantId ?? '';
    if (!upstream) return;
    const version = Math.min(TOPIC_ID_METADATA_VERSION, this.core.clusterVersions.get(Metadata.key)?.max ?? 0);
    if (version < 10) return;
    const res = await upstream.send(Metadata, version, {
      topics: null,
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    for (const t of res.topics as { name: string | null; topicId: string; errorCode: number }[]) {
      if (t.name !== null && t.errorCode === ErrorCode.NONE && this.access.owns(t.name))
        this.core.topicIds.learn(tenantId, t.topicId, t.name);
    }
  }

  // ------------------------------------------------------------------ ordered answers

  private enqueue(): Slot {
    const slot: Slot = { done: false, chunks: null };
    this.queue.push(slot);
    this.updateReading();
    return slot;
  }

  private finish(slot: Slot, chunks: Buffer[] | null): void {
    slot.done = true;
    slot.chunks = chunks;
    this.flush();
  }

  private flush(): void {
    if (this.queue.length === 0 || !this.queue[0]!.done) return;
    const writable = !this.closed && !this.socket.destroyed;
    if (writable) this.socket.cork();
    while (this.queue.length > 0 && this.queue[0]!.done) {
      const slot = this.queue.shift()!;
      if (slot.chunks && writable) for (const c of slot.chunks) this.socket.write(c);
    }
    if (writable) this.socket.uncork();
    this.updateReading();
  }

  /** Kafka-style quota throttling: stop reading from this client for `throttleMs`. */
  private mute(throttleMs: number): void {
    if (!this.closed) this.muting.mute(throttleMs);
  }

  /**
   * Reading pauses while too many requests wait for their answers, while too many answer bytes wait for a client that
   * does not read them, or while the client is throttled.
   */
  private updateReading(): void {
    if (this.closed || this.refusingFrames) return;
    const shouldPause =
      this.queue.length >= this.core.config.maxInflightRequestsPerConnection ||
      this.socket.writableLength > this.core.config.maxPendingWriteBytesPerConnection ||
      this.muting.mutedAt(Date.now());
    if (shouldPause && !this.paused) {
      this.socket.pause();
      this.paused = true;
    } else if (!shouldPause && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }
}
