import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * The only reader of process.env. Each variable is parsed once at start; a bad start names
 * every missing or wrong variable at once. The variable names are a contract (README).
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);
const ext = z.string().regex(/^\d{1,10}$/, 'must be a number of 1 to 10 digits');
const ms = z.coerce.number().int().positive();

const serviceEnv = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: port.default(3000),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgresql:// URL' }),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(20),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }),
  REDIS_PREFIX: z.string().min(1).default('codecall'),

  PBX_VENDOR: z.enum(['yeastar-s']).default('yeastar-s'),
  PBX_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. https://192.168.1.10:8088' }),
  PBX_USERNAME: z.string().min(1),
  PBX_PASSWORD: z.string().min(1),
  PBX_FROM_EXT: ext.default('1000'),
  PBX_CA_FILE: z.string().min(1).optional(),
  PBX_TLS_INSECURE: bool.default(false),
  PBX_TIMEOUT_MS: ms.default(5_000),
  PBX_HEARTBEAT_MS: ms.default(20 * 60_000),
  /** Absolute base URL the PBX can reach codecall at (NAT, load balancer); codecall appends the report path. */
  PBX_EVENTS_URL: z.url({ protocol: /^http$/, error: 'must be an http:// URL (the PBX posts reports over plain HTTP)' }).optional(),
  /** Secret path segment of the report URL: the PBX cannot sign its reports. */
  PBX_REPORT_SECRET: z.string().min(16, 'must be at least 16 characters').default('dev-report-secret-change-me'),
  /** Addresses (IPs or CIDRs) reports may come from; unset means the PBX host's own, `any` turns the check off. */
  PBX_REPORT_SOURCES: z
    .string()
    .transform((s) => s.split(',').map((a) => a.trim()).filter(Boolean))
    .refine((list) => (list.length === 1 && list[0] === 'any') || list.every(isAddressOrSubnet), 'must be `any` or a comma-separated list of IP addresses and CIDR subnets')
    .optional(),
  /** The PBX's serial number: reports carrying another `sn` are refused. */
  PBX_SN: z.string().min(1).optional(),

  IVR_ENTRY: ext.default('6500'),
  IVR_SUCCESS: ext.default('6502'),
  IVR_RETRY: ext.default('6503'),
  IVR_FAIL: ext.optional(),

  /** Requests one API key may make per minute, per API process. */
  API_RATE_LIMIT: z.coerce.number().int().positive().default(3000),
  API_KEYS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((k) => k.trim()).filter(Boolean)),
  CODE_HMAC_SECRET: z.string().min(16, 'must be at least 16 characters').default('dev-code-secret-change-me'),
  /** Key of the callbacks' HMAC-SHA256 signature, shared with the receiver. */
  CALLBACK_SECRET: z.string().min(16, 'must be at least 16 characters').default('dev-callback-secret-change-me'),
  CALLBACK_MAX_AGE_MS: ms.default(24 * 3600_000),
  CALLBACK_RETRY_BASE_MS: ms.default(30_000),
  /** Let callbacks go to loopback and private addresses (a receiver inside your network). */
  CALLBACK_ALLOW_PRIVATE: bool.default(false),
  MEDIA_DIR: z.string().min(1).default('./media'),
  /** Keep prompt files after their call is done (they are removed otherwise). */
  KEEP_PROMPTS: bool.default(false),
  /** Prompts rendered ahead of dialling, per campaign. */
  PROMPT_LOOKAHEAD: z.coerce.number().int().positive().default(200),

  /** Live calls the PBX's trunks carry at once, across all campaigns. */
  PBX_MAX_CONCURRENT: z.coerce.number().int().positive().default(30),
  /** Dials to one number in any 24 hours, across all campaigns. */
  NUMBER_DAILY_CAP: z.coerce.number().int().positive().default(3),
  DISPATCH_INTERVAL_MS: ms.default(20),
  /** A dial's request leaves this long after its slot, so the queue's varying delay does not bunch dials at the PBX. 0 sends when ready. */
  DIAL_LEAD_MS: z.coerce.number().int().min(0).max(5_000).default(500),
  /** A live call with no report for this long is checked against the PBX. */
  WATCHDOG_SILENCE_MS: ms.default(60_000),
  /** Work not picked up after this long (a lost queue message) is handed out again. */
  SWEEP_GRACE_MS: ms.default(5_000),
  /** Code entries the process that received them works at once; past that they wait in the queue. 0 queues all. */
  REPORT_INLINE_MAX: z.coerce.number().int().min(0).default(8),
  /** New dials wait while more PBX reports than this wait to be processed: callers on the line come first. */
  REPORT_BACKLOG_MAX: z.coerce.number().int().positive().default(500),
  /** Wait before dialling again when the PBX could not be reached at all. */
  UNREACHABLE_RETRY_MS: ms.default(10_000),

  /** Bearer token Prometheus must send to /metrics; unset leaves /metrics open (keep it off the internet). */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Calls finished longer ago than this lose their phone number, prompt files and PBX reports. */
  RETENTION_DAYS: z.coerce.number().positive().default(90),
  RETENTION_INTERVAL_MS: ms.default(3600_000),
  /** On SIGTERM, how long requests under way may take before their connections are cut. */
  SHUTDOWN_GRACE_MS: ms.default(10_000),
});

const DEV_DEFAULTS: Record<string, string> = {
  PBX_REPORT_SECRET: 'dev-report-secret-change-me',
  CODE_HMAC_SECRET: 'dev-code-secret-change-me',
  CALLBACK_SECRET: 'dev-callback-secret-change-me',
};

/** In production a secret must be set, and not to its development default. */
function productionProblems(env: NodeJS.ProcessEnv): string[] {
  if (env.NODE_ENV !== 'production') return [];
  const problems = Object.entries(DEV_DEFAULTS)
    .filter(([k, v]) => !env[k]?.trim() || env[k] === v)
    .map(([k]) => `${k}: must be set in production (the development default is refused)`);
  return problems;
}

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const problems: string[] = [];
  const withSecrets = withFileSecrets(env, FILE_SECRETS, problems);
  const c = parseEnv(serviceEnv, withSecrets, problems.concat(productionProblems(withSecrets)));
  const ca = c.PBX_CA_FILE ? readConfigFile('PBX_CA_FILE', c.PBX_CA_FILE) : undefined;
  return {
    env: c.NODE_ENV,
    logLevel: c.LOG_LEVEL,
    http: { port: c.PORT },
    database: { url: c.DATABASE_URL, poolSize: c.DATABASE_POOL_SIZE },
    redis: { url: c.REDIS_URL, prefix: c.REDIS_PREFIX },
    pbx: {
      vendor: c.PBX_VENDOR,
      url: new URL(c.PBX_URL),
      username: c.PBX_USERNAME,
      password: c.PBX_PASSWORD,
      fromExt: c.PBX_FROM_EXT,
      ca,
      tlsInsecure: c.PBX_TLS_INSECURE,
      timeoutMs: c.PBX_TIMEOUT_MS,
      heartbeatMs: c.PBX_HEARTBEAT_MS,
      eventsUrl: c.PBX_EVENTS_URL ? new URL(c.PBX_EVENTS_URL) : undefined,
      reportSecret: c.PBX_REPORT_SECRET,
      reportSources: c.PBX_REPORT_SOURCES?.[0] === 'any' ? null : (c.PBX_REPORT_SOURCES ?? ('pbx-host' as const)),
      sn: c.PBX_SN ?? null,
    },
    ivr: { entry: c.IVR_ENTRY, success: c.IVR_SUCCESS, retry: c.IVR_RETRY, fail: c.IVR_FAIL ?? null },
    engine: {
      pbxMaxConcurrent: c.PBX_MAX_CONCURRENT,
      numberDailyCap: c.NUMBER_DAILY_CAP,
      dispatchIntervalMs: c.DISPATCH_INTERVAL_MS,
      dialLeadMs: c.DIAL_LEAD_MS,
      watchdogSilenceMs: c.WATCHDOG_SILENCE_MS,
      sweepGraceMs: c.SWEEP_GRACE_MS,
      reportInlineMax: c.REPORT_INLINE_MAX,
      reportBacklogMax: c.REPORT_BACKLOG_MAX,
      unreachableRetryMs: c.UNREACHABLE_RETRY_MS,
    },
    callbacks: { secret: c.CALLBACK_SECRET, maxAgeMs: c.CALLBACK_MAX_AGE_MS, baseDelayMs: c.CALLBACK_RETRY_BASE_MS, allowPrivate: c.CALLBACK_ALLOW_PRIVATE },
    apiKeys: c.API_KEYS,
    apiRateLimit: c.API_RATE_LIMIT,
    codeSecret: c.CODE_HMAC_SECRET,
    media: { dir: c.MEDIA_DIR, keepPrompts: c.KEEP_PROMPTS, lookahead: c.PROMPT_LOOKAHEAD },
    metricsToken: c.METRICS_TOKEN ?? null,
    retention: { days: c.RETENTION_DAYS, intervalMs: c.RETENTION_INTERVAL_MS },
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
  };
}

/** What the operator CLI needs: the database only. */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env) {
  const c = parseEnv(serviceEnv.pick({ DATABASE_URL: true, CODE_HMAC_SECRET: true }), env);
  return { database: { url: c.DATABASE_URL } };
}

const simulatorEnv = z.object({
  SIM_PORT: port.default(8088),
  SIM_HOST: z.string().min(1).default('127.0.0.1'),
  SIM_USERNAME: z.string().min(1).default('api'),
  SIM_PASSWORD: z.string().min(1).default('password'),
  SIM_TIME_SCALE: z.coerce.number().positive().max(10).default(1),
  SIM_PERSONAS_FILE: z.string().min(1).optional(),
  SIM_TLS_KEY_FILE: z.string().min(1).optional(),
  SIM_TLS_CERT_FILE: z.string().min(1).optional(),
});

/** Secrets that may come from a file named by `<NAME>_FILE` (Docker secrets). */
const FILE_SECRETS = ['PBX_PASSWORD', 'CODE_HMAC_SECRET', 'PBX_REPORT_SECRET', 'CALLBACK_SECRET', 'METRICS_TOKEN'];

/** Every variable the service and the simulator read, for tools that check deployment files. */
export const ENV_NAMES = {
  service: [...Object.keys(serviceEnv.shape), ...FILE_SECRETS.map((n) => `${n}_FILE`)],
  simulator: Object.keys(simulatorEnv.shape),
  productionSecrets: Object.keys(DEV_DEFAULTS),
};

export function loadSimulatorConfig(env: NodeJS.ProcessEnv = process.env) {
  const pairProblem = Boolean(env.SIM_TLS_KEY_FILE) !== Boolean(env.SIM_TLS_CERT_FILE) ? ['SIM_TLS_KEY_FILE and SIM_TLS_CERT_FILE: set both or neither'] : [];
  const c = parseEnv(simulatorEnv, env, pairProblem);
  return {
    port: c.SIM_PORT,
    host: c.SIM_HOST,
    username: c.SIM_USERNAME,
    password: c.SIM_PASSWORD,
    timeScale: c.SIM_TIME_SCALE,
    personasFile: c.SIM_PERSONAS_FILE,
    tls: c.SIM_TLS_KEY_FILE && c.SIM_TLS_CERT_FILE ? { key: readConfigFile('SIM_TLS_KEY_FILE', c.SIM_TLS_KEY_FILE), cert: readConfigFile('SIM_TLS_CERT_FILE', c.SIM_TLS_CERT_FILE) } : undefined,
  };
}

function isAddressOrSubnet(s: string): boolean {
  const [address, bits, extra] = s.split('/');
  const family = isIP(address ?? '');
  if (!family || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** `X_FILE=/run/secrets/x` stands for X, so secrets can come from mounted files. */
function withFileSecrets(env: NodeJS.ProcessEnv, names: string[], problems: string[]): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of names) {
    const file = env[`${name}_FILE`];
    if (!file || env[name]) continue;
    try {
      out[name] = readFileSync(file, 'utf8').trim();
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return out;
}

function readConfigFile(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
}

/** Parses env with schema; throws one ConfigError naming every problem, including `extra` ones found elsewhere. */
function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, extra: string[] = []): z.infer<S> {
  // Empty or blank strings mean "not set", as with most twelve-factor tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const result = schema.safeParse(present);
  const problems = [...extra];
  if (!result.success) {
    problems.unshift(...result.error.issues.map((i) => `${i.path.join('.')}: ${i.message === 'Invalid input: expected string, received undefined' ? 'is required' : i.message}`));
  }
  if (problems.length) throw new ConfigError(problems);
  return result.data as z.infer<S>;
}
