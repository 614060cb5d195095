/**
 * `samsa topic search`: runs a message search on the console (POST .../topics/{topic}/search), printing its
 * progress and how it ended to stderr and the matching records to stdout, as JSON or CSV.
 */
import { apiStream, CliError, int, type ParsedArgs, str, tenantOf } from './api-client.ts';

export const SEARCH_HELP = `  samsa topic search --tenant T --topic X (--contains TEXT | --regex RE2 | --json-path PATH OP | --cel EXPR)
                     [--field any|key|value|headers] [--case-sensitive]
                     [--partitions 0,1] [--from ISO --to ISO | --from-offset N --to-offset N]
                     [--max-records N] [--max-ms N] [--max-matches N] [--format json|csv]
     OP is one of --eq V, --ne V, --gt V, --gte V, --lt V, --lte V, --has V (text or list contains), --exists.
     Progress goes to stderr, matches to stdout; a search a budget ended prints where it stopped.`;

const JSON_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'has', 'exists'] as const;

/** `--eq 42` compares with the number 42, `--eq true` with true, anything that is not JSON with the text. */
function scalar(text: string): string | number | boolean | null {
  try {
    const v = JSON.parse(text);
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return v;
  } catch {}
  return text;
}

function timeOf(args: ParsedArgs, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new CliError(`--${name} must be an ISO time such as 2026-12-01T10:00:00Z, got '${v}'`, 2);
  return ms;
}

function matchOf(args: ParsedArgs): Record<string, unknown> {
  const field = str(args, 'field');
  const caseSensitive = args.flags['case-sensitive'] === true ? true : undefined;
  const chosen = ['contains', 'regex', 'json-path', 'cel'].filter((k) => args.flags[k] !== undefined);
  if (chosen.length !== 1) throw new CliError('give exactly one of --contains, --regex, --json-path, --cel', 2);
  if (args.flags.contains !== undefined)
    return { kind: 'contains', text: str(args, 'contains', true), field, caseSensitive };
  if (args.flags.regex !== undefined) return { kind: 'regex', pattern: str(args, 'regex', true), field, caseSensitive };
  if (args.flags.cel !== undefined) return { kind: 'cel', expression: str(args, 'cel', true) };
  const ops = JSON_OPS.filter((op) => args.flags[op] !== undefined);
  if (ops.length !== 1) throw new CliError(`--json-path needs one of ${JSON_OPS.map((o) => `--${o}`).join(', ')}`, 2);
  const op = ops[0]!;
  if (op === 'exists') return { kind: 'json', path: str(args, 'json-path', true), op };
  return {
    kind: 'json',
    path: str(args, 'json-path', true),
    op: op === 'has' ? 'contains' : op,
    value: scalar(str(args, op, true)),
  };
}

function csvCell(v: unknown): string {
  const text = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const CSV_COLUMNS = ['partition', 'offset', 'timestamp', 'key', 'value', 'headers', 'link'];

/** A rendered key or value on one line: JSON compacted (the console pretty-prints it), else its text or hex. */
function oneLine(r: { encoding: string; text: string | null; truncated?: boolean }): string | null {
  if (r.encoding !== 'json' || r.truncated || r.text === null) return r.text;
  return JSON.stringify(JSON.parse(r.text));
}

/** One match as flat columns: texts as the console rendered them (hex for binary), headers as a JSON object. */
function row(m: any, consoleUrl: string): unknown[] {
  return [
    m.partition,
    m.offset,
    new Date(m.timestamp).toISOString(),
    oneLine(m.key),
    oneLine(m.value),
    Object.fromEntries(m.headers.map((h: any) => [h.key, h.value.text])),
    `${consoleUrl}${m.link}`,
  ];
}

export async function searchTopic(args: ParsedArgs, target: { url: string; token: string | undefined }) {
  const topic = str(args, 'topic', true);
  const format = str(args, 'format') ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new CliError(`--format must be json or csv, got '${format}'`, 2);
  const partitions = str(args, 'partitions')
    ?.split(',')
    .map((p) => {
      if (!/^\d+$/.test(p.trim())) throw new CliError(`--partitions must be numbers like 0,2, got '${p}'`, 2);
      return Number(p);
    });
  const body = {
    match: matchOf(args),
    partitions,
    fromOffset: int(args, 'from-offset'),
    toOffset: int(args, 'to-offset'),
    fromTimestampMs: timeOf(args, 'from'),
    toTimestampMs: timeOf(args, 'to'),
    maxRecords: int(args, 'max-records'),
    maxMs: int(args, 'max-ms'),
    maxMatches: int(args, 'max-matches'),
  };
  const matches: unknown[] = [];
  let ended: any;
  if (format === 'csv') process.stdout.write(`${CSV_COLUMNS.join(',')}\n`);
  await apiStream(
    target,
    `/tenants/${tenantOf({ ...args, positional: [] })}/topics/${encodeURIComponent(topic)}/search`,
    body,
    (e) => {
      if (e.type === 'progress') {
        const where = e.partitions.map((p: any) => `p${p.partition} ${p.position}/${p.end}`).join(', ');
        process.stderr.write(`scanned ${e.scanned}, matched ${e.matched} (${where})\n`);
      } else if (e.type === 'match') {
        if (format === 'csv') process.stdout.write(`${row(e.record, target.url).map(csvCell).join(',')}\n`);
        else matches.push({ ...e.record, link: `${target.url}${e.record.link}` });
      } else if (e.type === 'end') {
        ended = e;
      }
    },
  );
  if (format === 'json') process.stdout.write(`${JSON.stringify(matches, null, 2)}\n`);
  if (!ended) throw new CliError('the console closed the search stream before it ended');
  process.stderr.write(`${ended.message}\n`);
  if (ended.continueFrom) {
    const from = ended.continueFrom.map((p: any) => `${p.partition}:${p.offset}`).join(',');
    process.stderr.write(`(partition:offset to continue from: ${from})\n`);
  }
  if (ended.reason === 'failed') throw new CliError('the search failed');
}
