/**
 * Typed errors raised by the protocol package. Decoders throw ProtocolDecodeError on any malformed input so the
 * broker can close the offending connection without touching others.
 */
export class ProtocolDecodeError extends Error {
  override readonly name = 'ProtocolDecodeError';
}

export class ProtocolEncodeError extends Error {
  override readonly name = 'ProtocolEncodeError';
}

/** Throws ProtocolDecodeError unless `condition` holds. */
export function assertDecode(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ProtocolDecodeError(message);
}
