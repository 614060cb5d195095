/**
 * `samsa log verify [--data-dir D]`: checks a data directory offline (every segment's batches and CRCs, the offset
 * and time indexes, the group and transaction logs) and names the file, byte and offset of each problem. Exit code 0
 * when everything checks, 1 when problems were found, 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { verifyLogDir } from '@samsa/broker';
import type { Command } from './types.ts';

const HELP = `Usage: samsa log verify [--data-dir DIR] [--json]

Reads every segment of every partition under DIR/topics and checks each batch (length, magic, CRC-32C, offsets
rising), each offset and time index entry against the batch it names, and the CRC-checked lines of
DIR/groups/groups.log and DIR/transactions/transactions.log. Nothing is changed. Each problem is printed as
FILE:BYTE [offset N]: WHAT; the exit code is 1 when there is any.

Run it on a stopped broker's directory; on a running one, the active segment's tail may be mid-write.

  --data-dir DIR   the broker's data directory [SAMSA_DATA_DIR or ./data]
  --json           the report as JSON`;

export const log: Command = {
  summary: "check a data directory's segments, indexes and CRCs offline (log verify)",
  help: HELP,
  async run(argv) {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(argv);
    } catch (err) {
      process.stderr.write(`samsa log: ${(err as Error).message}\n\n${HELP}\n`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (positionals[0] !== 'verify' || positionals.length > 1) {
      process.stderr.write(`samsa log: expected 'verify'\n\n${HELP}\n`);
      return 2;
    }
    const dataDir = values['data-dir'] ?? process.env.SAMSA_DATA_DIR ?? './data';
    let report: Awaited<ReturnType<typeof verifyLogDir>>;
    try {
      report = await verifyLogDir(dataDir);
    } catch (err) {
      process.stderr.write(`samsa log verify: cannot read ${dataDir}: ${(err as Error).message}\n`);
      return 2;
    }
    if (values.json) {
      const replacer = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);
      process.stdout.write(`${JSON.stringify(report, replacer, 2)}\n`);
    } else {
      for (const p of report.problems) {
        const where = p.position === null ? p.file : `${p.file}:${p.position}`;
        process.stdout.write(`${where}${p.offset === null ? '' : ` offset ${p.offset}`}: ${p.problem}\n`);
      }
      process.stdout.write(
        `checked ${report.partitions} partitions, ${report.segments} segments, ${report.batches} batches, ` +
          `${report.indexEntries} index entries, ${report.bytes} bytes: ` +
          `${report.problems.length === 0 ? 'no problems' : `${report.problems.length} problems`}\n`,
      );
    }
    return report.problems.length === 0 ? 0 : 1;
  },
};

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' } },
  });
}
