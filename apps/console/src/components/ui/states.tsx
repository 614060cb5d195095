/** Loading, empty and error states shared by every list. */
import type { ReactNode } from 'react';

export function Loading({ what }: { what: string }) {
  return (
    <p
      role="status"
      className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500"
    >
      Loading {what}…
    </p>
  );
}
export function Empty({ children }: { children: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500">
      {children}
    </div>
  );
}
export function ErrorState({ error }: { error: unknown }) {
  return (
    <p role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-800">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}
/**
 * What a form's save did: the error (unless it is already shown next to the fields) or "Saved.".
 */
export function SaveOutcome({
  save,
  fieldErrors,
}: {
  save: { error: unknown; isSuccess: boolean };
  fieldErrors: Record<string, string[]>;
}) {
  if (save.error) return Object.keys(fieldErrors).length ? null : <ErrorState error={save.error} />;
  return save.isSuccess ? (
    <p role="status" className="text-sm text-emerald-700">
      Saved.
    </p>
  ) : null;
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="mb-4 flex flex-wrap items-center justify-between gap-2">
      <h1 className="text-2xl font-semibold">{title}</h1>
      <div className="flex gap-2">{children}</div>
    </div>
  );
}
