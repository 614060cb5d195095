/** A ranked list of tenants or topics by traffic or storage; every tenant links to its home, topics to their page. */
import Link from 'next/link';
import { Empty } from '../../../components/ui/states.tsx';
import { formatBytes } from '../../../lib/api-client.ts';
import type { RankedTraffic } from '../schemas.ts';
import { formatPerSec, formatRate } from './format.ts';

export function rankedHref(r: RankedTraffic): string {
  return r.topic === null ? `/t/${r.tenant}` : `/t/${r.tenant}/topics/${encodeURIComponent(r.topic)}`;
}

export function RankedTable({ title, rows, testId }: { title: string; rows: RankedTraffic[]; testId: string }) {
  return (
    <section aria-label={title} data-testid={testId} className="rounded border border-slate-200 bg-white p-3">
      <h3 className="mb-2 text-sm font-semibold text-slate-700">{title}</h3>
      {rows.length === 0 ? (
        <Empty>Nothing reported yet.</Empty>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-sm">
            <thead>
              <tr className="text-left text-xs text-slate-500">
                <th className="py-1 pr-2 font-medium">Name</th>
                <th className="py-1 pr-2 font-medium">Produce</th>
                <th className="py-1 pr-2 font-medium">Fetch</th>
                <th className="py-1 pr-2 font-medium">Records in / out</th>
                <th className="py-1 font-medium">Storage</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.name} data-name={r.name} className="border-t border-slate-100">
                  <td className="py-1 pr-2">
                    <Link className="text-indigo-700 hover:underline" href={rankedHref(r)}>
                      {r.name}
                    </Link>
                  </td>
                  <td className="py-1 pr-2 whitespace-nowrap" title={`${Math.round(r.produceBytesPerSec)} B/s`}>
                    {formatRate(r.produceBytesPerSec)}
                  </td>
                  <td className="py-1 pr-2 whitespace-nowrap" title={`${Math.round(r.fetchBytesPerSec)} B/s`}>
                    {formatRate(r.fetchBytesPerSec)}
                  </td>
                  <td className="py-1 pr-2 whitespace-nowrap">
                    {formatPerSec(r.produceRecordsPerSec)} / {formatPerSec(r.fetchRecordsPerSec)}
                  </td>
                  <td className="py-1 whitespace-nowrap" title={r.storageBytes === null ? '' : `${r.storageBytes} B`}>
                    {formatBytes(r.storageBytes)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
