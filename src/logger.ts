import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line: secrets, tokens and the codes callers key in. */
const REDACT = [
  'authorization',
  'req.headers.authorization',
  'password',
  '*.password',
  'token',
  '*.token',
  'code',
  '*.code',
  'digits',
  '*.digits',
  'infos',
  '*.infos',
  'info',
  '*.info',
];

/** 13800000001 -> 138****0001: enough to tell calls apart in a log, not enough to call anyone. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/^\+/, '');
  if (digits.length <= 4) return '*'.repeat(digits.length);
  const keepHead = Math.min(3, Math.max(0, digits.length - 8));
  return `${digits.slice(0, keepHead)}${'*'.repeat(digits.length - keepHead - 4)}${digits.slice(-4)}`;
}

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream; base?: Record<string, unknown> } = {}): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    base: opts.base ?? { service: 'codecall' },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return opts.destination ? pino(options, opts.destination as pino.DestinationStream) : pino(options);
}
