/**
 * Calling @platformatic/kafka's API encoders directly, for the APIs its Admin has no methods for (transactions, SCRAM
 * credentials): the encoder at the highest version both sides support, and responses with error codes returned
 * rather than thrown, so the caller reads each result's own error.
 */
import { type Admin, kGetApi, ResponseError, UnsupportedApiError } from '@platformatic/kafka';

/** The admin's encoder for `name` at the highest version both sides support; null when the broker has none. */
export async function apiOf<A>(admin: Admin, name: string): Promise<A | null> {
  return new Promise<A | null>((resolve, reject) =>
    admin[kGetApi](name, (err: Error | null, found: unknown) => {
      if (!err) return resolve(found as A);
      // The broker does not advertise the API, or no version both sides know.
      if (err instanceof UnsupportedApiError) return resolve(null);
      reject(err);
    }),
  );
}

/** Calls `run`; a response with error codes arrives as a ResponseError carrying the whole response. */
export async function raw<R>(run: () => Promise<R>): Promise<R> {
  try {
    return await run();
  } catch (err) {
    const response = (err as ResponseError & { response?: R }).response;
    if (err instanceof ResponseError && response) return response;
    throw err;
  }
}
