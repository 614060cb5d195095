/** Browser-side calls to /api/v1, throwing `ApiClientError` with the server's code, message and field errors. */
export class ApiClientError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fieldErrors: Record<string, string[]>;
  constructor(status: number, code: string, message: string, fieldErrors: Record<string, string[]> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fieldErrors = fieldErrors;
  }
}

export async function api<T = unknown>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const res = await fetch(`/api/v1${path}`, {
    method,
    // every state-changing call says JSON: the server refuses anything else (CSRF guard)
    headers: method !== 'GET' || init.body !== undefined ? { 'content-type': 'application/json' } : undefined,
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    credentials: 'same-origin',
  });
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    if (res.status === 401 && typeof window !== 'undefined' && !path.startsWith('/auth/'))
      window.location.href = '/login';
    throw new ApiClientError(
      res.status,
      data?.error?.code ?? 'error',
      data?.error?.message ?? `HTTP ${res.status}`,
      data?.error?.fieldErrors,
    );
  }
  return data as T;
}

export function fieldErrors(err: unknown): Record<string, string[]> {
  return err instanceof ApiClientError ? err.fieldErrors : {};
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
