/** Typed errors of the sandbox: a module that does not compile, and use of a sandbox after dispose(). */

export class ProcessorCompileError extends Error {
  override readonly name = 'ProcessorCompileError';
  /** 1-based position in the user's source, when the error has one. */
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** The message without the position. */
  readonly reason: string;

  constructor(reason: string, position?: { line: number; column: number }) {
    super(position ? `${reason} (line ${position.line}, column ${position.column})` : reason);
    this.reason = reason;
    this.line = position?.line;
    this.column = position?.column;
  }
}

export class ProcessorSandboxDisposedError extends Error {
  override readonly name = 'ProcessorSandboxDisposedError';
  constructor() {
    super('the sandbox was disposed; create a new one');
  }
}
