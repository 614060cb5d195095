/** JSON responses: BigInt values (quotas, offsets) are sent as numbers when safe, else as strings. */
export function json(data: unknown, init?: ResponseInit): Response {
  const body = JSON.stringify(data, (_k, v) =>
    typeof v === 'bigint'
      ? v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(v)
        : v.toString()
      : v,
  );
  const headers = new Headers(init?.headers);
  headers.set('content-type', 'application/json');
  return new Response(body, { ...init, headers });
}
