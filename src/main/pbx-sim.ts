import { loadSimulatorConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { createLogger } from '../logger.js';
import { loadPersonaRules } from '../simulator/personas.js';
import { PbxSimulator } from '../simulator/pbx-simulator.js';

/** `npm run pbx-sim`: the PBX simulator on its own, for the demo and for integrators. */
const log = createLogger({ base: { service: 'pbx-sim' } });
try {
  const c = loadSimulatorConfig();
  const sim = await new PbxSimulator({
    port: c.port,
    host: c.host,
    username: c.username,
    password: c.password,
    timeScale: c.timeScale,
    personaRules: c.personasFile ? loadPersonaRules(c.personasFile) : [],
    tls: c.tls,
  }).start();
  log.info({ event: 'sim.started', url: sim.url, timeScale: c.timeScale }, `PBX simulator listening on ${sim.url}`);
  const stop = () => void sim.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (err) {
  log.fatal({ event: 'sim.start_failed' }, err instanceof ConfigError ? err.message : String(err));
  process.exit(1);
}
