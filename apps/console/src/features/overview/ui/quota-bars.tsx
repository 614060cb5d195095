/** Quota usage as bars with the limit drawn: human units, the raw values beside, "unlimited" when there is none. */
import type { z } from 'zod';
import type { quotaUsageSchema } from '../schemas.ts';
import { formatQuantity, rawQuantity } from './format.ts';

type QuotaUsage = z.infer<typeof quotaUsageSchema>;

export function QuotaBars({ usage }: { usage: QuotaUsage[] }) {
  return (
    <ul className="space-y-3" aria-label="Quota usage">
      {usage.map((q) => {
        const share = q.limit && q.used !== null ? Math.min(1, q.used / q.limit) : null;
        const tone =
          share === null
            ? 'bg-slate-400'
            : share >= 0.9
              ? 'bg-red-500'
              : share >= 0.7
                ? 'bg-amber-500'
                : 'bg-emerald-500';
        return (
          <li key={q.key} data-testid={`quota-${q.key}`} data-used={q.used ?? ''} data-limit={q.limit ?? ''}>
            <div className="flex flex-wrap items-baseline justify-between gap-x-2 text-sm">
              <span className="font-medium text-slate-700">{q.label}</span>
              <span>
                {formatQuantity(q.used, q.unit)}
                <span className="text-slate-500">
                  {' '}
                  of {q.limit === null ? 'unlimited' : formatQuantity(q.limit, q.unit)}
                </span>
                {q.unit !== 'count' ? (
                  <span className="ml-2 text-xs text-slate-500">
                    ({rawQuantity(q.used, q.unit)}
                    {q.limit !== null ? ` / ${rawQuantity(q.limit, q.unit)}` : ''})
                  </span>
                ) : null}
              </span>
            </div>
            <div
              className="relative mt-1 h-2 rounded bg-slate-100"
              // The figures are in the text above; the bar repeats them for the eye.
              aria-hidden="true"
            >
              <div
                className={`h-2 rounded ${tone}`}
                style={{ width: share === null ? '0%' : `${Math.max(share * 100, q.used ? 1 : 0)}%` }}
              />
              {q.limit !== null ? (
                <div className="absolute top-[-3px] right-0 h-[14px] w-0.5 bg-slate-700" title="limit" />
              ) : null}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
