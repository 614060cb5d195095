/** `<crc32 hex> <text>\n`: small metadata files (the producer state snapshot) that are refused when damaged. */
import { crc32 } from 'node:zlib';

export function encodeChecksummed(text: string): string {
  return `${crc32(text).toString(16).padStart(8, '0')} ${text}\n`;
}

/** The text, or null when the checksum does not match (torn, bit rot, or a file written without one). */
export function decodeChecksummed(file: string): string | null {
  const text = file.slice(9).trimEnd();
  return file[8] === ' ' && crc32(text).toString(16).padStart(8, '0') === file.slice(0, 8) ? text : null;
}
