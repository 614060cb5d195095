/**
 * UpstreamConnection: one TCP connection (TLS with `tls`: SASL_SSL) from the gateway to one Kafka broker node, signed
 * in with SASL (SaslHandshake v1 + SaslAuthenticate). Requests are written in the order they are sent and Kafka answers in that
 * order, so answers are matched to a FIFO of pending requests (and checked by correlation id). Every request has a
 * deadline; a missed deadline, a malformed answer or a lost socket fails every pending request and closes it.
 */
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import {
  type ApiDefinition,
  ApiVersions,
  decodeResponse,
  encodeRequest,
  ErrorCode,
  FrameAssembler,
  SaslAuthenticate,
  SaslHandshake,
} from '@samsa/protocol';
import type { Logger } from 'pino';
import type { GatewayConfig } from './options.ts';
import {
  CredentialMismatchError,
  SaslClientError,
  startClientExchange,
  type UpstreamCredential,
} from './scram-client.ts';
import { describeUpstreamTlsError, type UpstreamTls, upstreamConnectOptions } from './tls-settings.ts';

export interface UpstreamAddress {
  host: string;
  port: number;
}

export interface UpstreamOptions {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** Largest answer frame accepted from Kafka. */
  maxResponseBytes: number;
  clientId: string;
  logger: Logger;
  /** Reach Kafka over TLS (its SASL_SSL listener); null: plaintext (SASL_PLAINTEXT). */
  tls: UpstreamTls | null;
}

/** Kafka refused the credential: the key's user is missing on the cluster, or holds another credential. */
export class UpstreamAuthError extends Error {}
/** The node could not be reached, or stopped answering in time. */
export class UpstreamUnavailableError extends Error {}
/** The TLS handshake with the node failed: its certificate is not trusted or not for its name, or it is no TLS port. */
export class UpstreamTlsError extends UpstreamUnavailableError {}

/** The UpstreamOptions of a gateway's Kafka connections, from its settings. */
export function upstreamOptions(
  config: GatewayConfig,
  tls: UpstreamTls | null,
  clientId: string,
  logger: Logger,
): UpstreamOptions {
  return {
    connectTimeoutMs: config.upstreamConnectTimeoutMs,
    requestTimeoutMs: config.upstreamRequestTimeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    clientId,
    logger,
    tls,
  };
}

interface Pending {
  correlationId: number;
  api: ApiDefinition;
  version: number;
  resolve: (body: Record<string, unknown>) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class UpstreamConnection {
  readonly address: UpstreamAddress;
  private readonly socket: Socket;
  private readonly opts: UpstreamOptions;
  private readonly frames: FrameAssembler;
  private readonly pending: Pending[] = [];
  private nextCorrelationId = 1;
  private closedError: Error | null = null;
  private readonly closeListeners: ((err: Error) => void)[] = [];

  private constructor(socket: Socket, address: UpstreamAddress, opts: UpstreamOptions) {
    this.socket = socket;
    this.address = address;
    this.opts = opts;
    this.frames = new FrameAssembler(opts.maxResponseBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new UpstreamUnavailableError(`${this.where()}: ${err.message}`)));
    socket.on('close', () => this.fail(new UpstreamUnavailableError(`${this.where()}: connection closed`)));
  }

  /** Connects to a node and signs in; rejects with UpstreamAuthError when Kafka refuses the credential. */
  static async open(
    address: UpstreamAddress,
    credential: UpstreamCredential,
    opts: UpstreamOptions,
  ): Promise<UpstreamConnection> {
    const socket = await connectWithin(address, opts);
    const conn = new UpstreamConnection(socket, address, opts);
    try {
      await conn.authenticate(credential);
    } catch (err) {
      conn.close();
      // A TLS listener drops a plaintext SASL handshake: say so rather than only "connection closed".
      if (!opts.tls && err instanceof UpstreamUnavailableError && !(err instanceof UpstreamTlsError))
        throw new UpstreamUnavailableError(
          `${err.message} during the SASL handshake (if this is a SASL_SSL listener, set --cluster-tls or --cluster-ca-file)`,
        );
      throw err;
    }
    return conn;
  }

  private where(): string {
    return `Kafka at ${this.address.host}:${this.address.port}`;
  }

  private async authenticate(credential: UpstreamCredential): Promise<void> {
    const hs = await this.send(SaslHandshake, 1, { mechanism: credential.mechanism });
    if (hs.errorCode !== ErrorCode.NONE) {
      throw new UpstreamAuthError(
        `${this.where()} does not accept SASL mechanism ${credential.mechanism} (it offers ${(hs.mechanisms as string[]).join(', ')})`,
      );
    }
    const exchange = startClientExchange(credential);
    let message: Buffer | null = exchange.first();
    for (let step = 0; message !== null; step++) {
      if (step >= 4) throw new UpstreamAuthError('SASL exchange with Kafka did not finish in 4 steps');
      const answer = await this.send(SaslAuthenticate, 2, { authBytes: message });
      if (answer.errorCode !== ErrorCode.NONE) {
        throw new UpstreamAuthError(
          `Kafka refused user ${credential.username} (${answer.errorMessage ?? `error ${answer.errorCode}`})`,
        );
      }
      try {
        message = exchange.next(answer.authBytes as Buffer);
      } catch (err) {
        if (err instanceof CredentialMismatchError) throw new UpstreamAuthError(err.message);
        if (err instanceof SaslClientError) throw new UpstreamAuthError(`${this.where()}: ${err.message}`);
        throw err;
      }
    }
  }

  /** Kafka's ApiVersions answer: its supported range of each API. */
  async apiVersions(): Promise<Map<number, { min: number; max: number }>> {
    const answer = await this.send(ApiVersions, 0, {});
    const out = new Map<number, { min: number; max: number }>();
    for (const k of answer.apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[])
      out.set(k.apiKey, { min: k.minVersion, max: k.maxVersion });
    return out;
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  onClose(fn: (err: Error) => void): void {
    this.closeListeners.push(fn);
  }

  /**
   * Sends a request and resolves with the decoded answer. `extraTimeoutMs` extends the deadline for requests that
   * wait on purpose (a Fetch long-poll, a JoinGroup rebalance).
   */
  send(
    api: ApiDefinition,
    version: number,
    body: Record<string, unknown>,
    extraTimeoutMs = 0,
  ): Promise<Record<string, unknown>> {
    if (this.closedError) return Promise.reject(this.closedError);
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    const frame = encodeRequest(api, version, correlationId, this.opts.clientId, body);
    return new Promise((resolve, reject) => {
      const timeoutMs = this.opts.requestTimeoutMs + extraTimeoutMs;
      const timer = setTimeout(
        () =>
          this.fail(new UpstreamUnavailableError(`${this.where()} did not answer ${api.name} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.pending.push({ correlationId, api, version, resolve, reject, timer });
      this.socket.write(frame);
    });
  }

  /** Sends a request Kafka does not answer (Produce with acks=0). */
  sendWithoutAnswer(api: ApiDefinition, version: number, body: Record<string, unknown>): void {
    if (this.closedError) throw this.closedError;
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    this.socket.write(encodeRequest(api, version, correlationId, this.opts.clientId, body));
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      this.fail(new UpstreamUnavailableError(`${this.where()}: ${(err as Error).message}`));
      return;
    }
    for (const frame of frames) {
      const head = this.pending.shift();
      if (!head) {
        this.fail(new UpstreamUnavailableError(`${this.where()} sent an answer to no request`));
        return;
      }
      clearTimeout(head.timer);
      try {
        const { correlationId, body } = decodeResponse(head.api, head.version, frame);
        if (correlationId !== head.correlationId)
          throw new Error(`answer to correlation id ${correlationId}, expected ${head.correlationId}`);
        head.resolve(body);
      } catch (err) {
        head.reject(err as Error);
        this.fail(
          new UpstreamUnavailableError(`${this.where()}: malformed ${head.api.name} answer: ${(err as Error).message}`),
        );
        return;
      }
    }
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    this.socket.destroy();
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    for (const fn of this.closeListeners) fn(err);
  }

  close(): void {
    this.fail(new UpstreamUnavailableError(`${this.where()}: closed by the gateway`));
  }
}

/** A connected socket (TLS handshake done, with `opts.tls`) within `opts.connectTimeoutMs`. */
function connectWithin(address: UpstreamAddress, opts: UpstreamOptions): Promise<Socket> {
  const where = `Kafka at ${address.host}:${address.port}`;
  return new Promise<Socket>((resolve, reject) => {
    const tls = opts.tls;
    const s = tls
      ? connectTls({ host: address.host, port: address.port, ...upstreamConnectOptions(tls, address.host) })
      : connect({ host: address.host, port: address.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(
        new UpstreamUnavailableError(
          `could not connect${tls ? ' (TLS)' : ''} to ${where} within ${opts.connectTimeoutMs} ms${tls ? ': is this a SASL_SSL listener?' : ''}`,
        ),
      );
    }, opts.connectTimeoutMs);
    s.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      s.destroy();
      // A refused or unreachable port is a connection problem, whatever the protocol.
      if (tls && !['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT'].includes(err.code ?? ''))
        reject(new UpstreamTlsError(describeUpstreamTlsError(err, where, tls)));
      else reject(new UpstreamUnavailableError(`could not connect to ${where}: ${err.message}`));
    });
  });
}
