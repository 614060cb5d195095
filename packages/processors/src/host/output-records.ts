/** The records the host writes: a function's outputs with their lineage headers, and dead letters. */
import type { MessageToProduce } from '@platformatic/kafka';
import { type InputRecord, type OutputRecord, type ProcessorErrorInfo, SOURCE_HEADER } from '../types.ts';
import type { TenantAccess } from './kafka-access.ts';
import { sourceHeader } from './output-fence.ts';

export type OutMessage = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

export interface Lineage {
  processorId: string;
  name: string;
  version: number;
}

/** Headers that say where a record came from; a re-driven dead letter loses them (its function sees the original). */
export const HOST_HEADERS = [
  SOURCE_HEADER,
  'samsa-processor',
  'samsa-error',
  'samsa-error-kind',
  'samsa-source-topic',
  'samsa-source-partition',
  'samsa-source-offset',
  'samsa-processor-version',
];

function headerMap(headers: Array<[string, Buffer]>): Map<Buffer, Buffer> {
  return new Map(headers.map(([k, v]) => [Buffer.from(k), v]));
}

export function outputMessage(
  access: TenantAccess,
  lineage: Lineage,
  input: InputRecord,
  output: OutputRecord,
  index: number,
): OutMessage {
  const headers = headerMap(output.headers);
  const source = sourceHeader(lineage.processorId, lineage.version, input.partition, input.offset, index);
  headers.set(Buffer.from(SOURCE_HEADER), Buffer.from(source));
  headers.set(Buffer.from('samsa-processor'), Buffer.from(lineage.name));
  return { topic: access.name(output.topic), key: output.key ?? undefined, value: output.value as Buffer, headers };
}

/** The original record for the dead-letter topic, with why and where it failed. */
export function deadLetterMessage(
  access: TenantAccess,
  lineage: Lineage,
  dlqTopic: string,
  input: InputRecord,
  error: ProcessorErrorInfo,
): OutMessage {
  const headers = headerMap(input.headers.filter(([k]) => !HOST_HEADERS.includes(k)));
  const add = (k: string, v: string) => headers.set(Buffer.from(k), Buffer.from(v));
  add('samsa-error', error.message.slice(0, 2_000));
  add('samsa-error-kind', error.kind);
  add('samsa-source-topic', input.topic);
  add('samsa-source-partition', String(input.partition));
  add('samsa-source-offset', String(input.offset));
  add('samsa-processor-version', String(lineage.version));
  add(SOURCE_HEADER, sourceHeader(lineage.processorId, lineage.version, input.partition, input.offset, 'dlq'));
  add('samsa-processor', lineage.name);
  return { topic: access.name(dlqTopic), key: input.key ?? undefined, value: input.value as Buffer, headers };
}
