import { loadConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { createLogger } from '../logger.js';
import { startRuntime, type Roles } from './runtime.js';

/** `npm start` (all), `npm run start:api`, `npm run start:worker`: one codebase, chosen by argument. */
const ROLES: Record<string, Roles> = {
  all: { api: true, worker: true },
  api: { api: true, worker: false },
  worker: { api: false, worker: true },
};

const role = process.argv[2] ?? 'all';
const roles = ROLES[role];
const bootLog = createLogger();
if (!roles) {
  bootLog.fatal({ event: 'boot.bad_role', role }, `unknown role ${role}; use all, api or worker`);
  process.exit(2);
}

let config;
try {
  config = loadConfig();
} catch (err) {
  bootLog.fatal({ event: 'boot.config_invalid' }, err instanceof ConfigError ? err.message : String(err));
  process.exit(1);
}

const log = createLogger({ level: config.logLevel, base: { service: 'codecall', role } });
const runtime = await startRuntime(config, roles, log);
log.info({ event: 'boot.ready', port: config.http.port }, `codecall ${role} listening on port ${config.http.port}`);

let shuttingDown = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ event: 'shutdown.start', signal }, 'shutting down');
    // Jobs under way get the grace period too; past twice that, something is stuck.
    const force = setTimeout(() => {
      log.error({ event: 'shutdown.timeout' }, 'shutdown took too long; exiting');
      process.exit(1);
    }, 2 * config.shutdownGraceMs);
    force.unref();
    runtime.stop().then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ event: 'shutdown.failed', err: err.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
