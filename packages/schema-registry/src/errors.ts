/**
 * The registry's one error type: an HTTP status and Confluent's `error_code` (clients such as
 * @kafkajs/confluent-schema-registry and confluent-kafka read the code to tell "subject not found" from "schema not
 * found"), with the factories for each code Confluent defines, so a code is written in one place.
 */
export class RegistryError extends Error {
  readonly status: number;
  readonly errorCode: number;
  constructor(status: number, errorCode: number, message: string) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }

  body(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const errors = {
  unauthorized: () => new RegistryError(401, 401, 'Unauthorized'),
  forbidden: (what: string) => new RegistryError(403, 40301, `User is denied operation ${what}`),
  notFound: () => new RegistryError(404, 404, 'HTTP 404 Not Found'),
  methodNotAllowed: () => new RegistryError(405, 405, 'HTTP 405 Method Not Allowed'),
  subjectNotFound: (subject: string) => new RegistryError(404, 40401, `Subject '${subject}' not found.`),
  versionNotFound: (version: number | string) => new RegistryError(404, 40402, `Version ${version} not found.`),
  schemaNotFound: (id?: number) =>
    new RegistryError(404, 40403, id === undefined ? 'Schema not found' : `Schema ${id} not found`),
  subjectSoftDeleted: (subject: string) =>
    new RegistryError(404, 40404, `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`),
  subjectNotSoftDeleted: (subject: string) =>
    new RegistryError(404, 40405, `Subject '${subject}' was not deleted first before being permanently deleted`),
  versionSoftDeleted: (subject: string, version: number) =>
    new RegistryError(
      404,
      40406,
      `Subject '${subject}' Version ${version} was soft deleted.Set permanent=true to delete permanently`,
    ),
  versionNotSoftDeleted: (subject: string, version: number) =>
    new RegistryError(
      404,
      40407,
      `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`,
    ),
  subjectCompatibilityNotConfigured: (subject: string) =>
    new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`),
  subjectModeNotConfigured: (subject: string) =>
    new RegistryError(404, 40409, `Subject '${subject}' does not have subject-level mode configured`),
  incompatible: (subject: string, messages: string[]) =>
    new RegistryError(
      409,
      409,
      `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${messages.join(', ')}]`,
    ),
  payloadTooLarge: (maxBytes: number) => new RegistryError(413, 413, `Request body is larger than ${maxBytes} bytes`),
  unsupportedMediaType: () => new RegistryError(415, 415, 'HTTP 415 Unsupported Media Type'),
  invalidSchema: (reason: string) => new RegistryError(422, 42201, `Invalid schema: ${reason}`),
  invalidVersion: (version: string) =>
    new RegistryError(
      422,
      42202,
      `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
    ),
  invalidCompatibility: (level: string) =>
    new RegistryError(
      422,
      42203,
      `Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive (got '${level}')`,
    ),
  invalidMode: (mode: string) =>
    new RegistryError(
      422,
      42204,
      `Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE and IMPORT (got '${mode}')`,
    ),
  operationNotPermitted: (message: string) => new RegistryError(422, 42205, message),
  referenceExists: (message: string) => new RegistryError(422, 42206, message),
  invalidSubject: (message: string) => new RegistryError(422, 42208, message),
  quotaExceeded: (message: string) => new RegistryError(422, 42205, message),
  unprocessable: (message: string) => new RegistryError(422, 422, message),
  badRequest: (message: string) => new RegistryError(400, 400, message),
  store: () => new RegistryError(500, 50001, 'Error in the backend data store'),
};
