import pino, { Logger } from 'pino';

export type { Logger };

/**
 * Structured logs. Personal data never reaches them: phones, descriptions, message texts and tokens
 * are redacted wherever they appear in logged objects.
 */
export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'mesa-ayuda' },
      redact: {
        paths: [
          '*.phone',
          '*.description',
          '*.text',
          '*.token',
          '*.authorization',
          'req.headers.authorization',
          '*.password',
          'phone',
          'description',
          'text',
          'token',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
