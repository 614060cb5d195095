/** The console's logger. Secrets (passwords, tokens, API-key secrets, cookies) are redacted by path. */
import pino from 'pino';

export const log = pino({
  name: 'samsa-console',
  level: process.env.SAMSA_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  redact: {
    paths: [
      'password',
      '*.password',
      'secret',
      '*.secret',
      'token',
      '*.token',
      'headers.cookie',
      'headers.authorization',
    ],
    censor: '[redacted]',
  },
});
