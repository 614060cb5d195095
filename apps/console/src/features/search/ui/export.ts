/** Search results as a JSON or CSV file the browser downloads (one row per match; JSON values on one line). */
import type { SearchMatchRecord } from '../schemas.ts';

type Rendered = SearchMatchRecord['value'];

function flat(r: Rendered): string {
  if (r.text === null) return '';
  if (r.encoding !== 'json' || r.truncated) return r.text;
  return JSON.stringify(JSON.parse(r.text));
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function matchesAsCsv(matches: SearchMatchRecord[], origin: string): string {
  const header = 'partition,offset,timestamp,key,value,headers,link';
  const rows = matches.map((m) =>
    [
      String(m.partition),
      String(m.offset),
      new Date(m.timestamp).toISOString(),
      flat(m.key),
      flat(m.value),
      JSON.stringify(Object.fromEntries(m.headers.map((h) => [h.key, h.value.text]))),
      `${origin}${m.link}`,
    ]
      .map(csvField)
      .join(','),
  );
  return `${[header, ...rows].join('\r\n')}\r\n`;
}

export function matchesAsJson(matches: SearchMatchRecord[], origin: string): string {
  return `${JSON.stringify(
    matches.map((m) => ({ ...m, link: `${origin}${m.link}` })),
    null,
    2,
  )}\n`;
}

export function download(fileName: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
