/** The slice of a pino-compatible logger that the log uses; silent by default so tests stay quiet. */
export interface LogLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: LogLogger = {
  info() {},
  warn() {},
  error() {},
};
