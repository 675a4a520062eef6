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

/** Digit runs long enough to be a phone number, not part of a UUID or other id, a dotted PBX call id or a decimal. */
const PHONE_LIKE = /(?<![\w.-])\+?\d{7,15}(?![\w.-])/g;

/**
 * Every line passes through here: `phone` fields, and anything phone-like in other strings
 * (error messages quoting a number), come out masked. Codes are removed by `redact`.
 */
function maskFields(value: unknown, key = '', depth = 0): unknown {
  if (typeof value === 'string') return key === 'phone' ? maskPhone(value) : value.replace(PHONE_LIKE, maskPhone);
  if (depth > 4 || value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (value instanceof Error) {
    const masked = new Error(value.message.replace(PHONE_LIKE, maskPhone));
    masked.name = value.name;
    masked.stack = value.stack?.replace(PHONE_LIKE, maskPhone);
    return masked;
  }
  if (Array.isArray(value)) return value.map((v) => maskFields(v, key, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskFields(v, k, depth + 1)]));
}

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream; base?: Record<string, unknown> } = {}): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    base: opts.base ?? { service: 'codecall' },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }), log: (fields) => maskFields(fields) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const i = args.findIndex((a) => typeof a === 'string');
        if (i >= 0) args[i] = (args[i] as string).replace(PHONE_LIKE, maskPhone);
        return method.apply(this, args);
      },
    },
  };
  return opts.destination ? pino(options, opts.destination as pino.DestinationStream) : pino(options);
}
