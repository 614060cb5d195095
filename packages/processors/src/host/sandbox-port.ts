/** What the host needs of a sandbox (the ProcessorSandbox of ../sandbox), as a port so tests can count calls. */
import type { BatchResults, InputRecord, SandboxLimits } from '../types.ts';

export interface RecordSandbox {
  /** Stops at the first `timeout` or `memory` fault: see BatchResults. */
  process(records: InputRecord[]): Promise<BatchResults>;
  readonly disposed: boolean;
  cpuTimeMs(): number;
  heapBytes(): number;
  dispose(): void;
}

export interface SandboxOptions {
  code: string;
  outputs: string[];
  env: Record<string, string>;
  limits: SandboxLimits;
}

/** Makes a sandbox; `tenantId` groups sandboxes (in the process mode, one child process per tenant). */
export type SandboxFactory = (tenantId: string, options: SandboxOptions) => Promise<RecordSandbox>;
