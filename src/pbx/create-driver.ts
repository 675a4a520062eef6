import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { PbxDriver } from './driver.js';
import { reportTarget } from './yeastar/report-target.js';
import { YeastarDriver } from './yeastar/yeastar-driver.js';

/** The one place that picks a PBX vendor; new drivers are added here and in their own folder. */
/** `listenPort` is the port codecall's webhook actually listens on (PORT may be 0 in tests). */
export function createPbxDriver(config: Config, log: Logger, listenPort: number): PbxDriver & { receiveReport?: YeastarDriver['receiveReport'] } {
  const { pbx } = config;
  switch (pbx.vendor) {
    case 'yeastar-s':
      if (pbx.tlsInsecure) log.warn({ event: 'pbx.tls_insecure' }, 'PBX_TLS_INSECURE=true: the PBX certificate is not verified');
      return new YeastarDriver({
        baseUrl: pbx.url,
        username: pbx.username,
        password: pbx.password,
        fromExt: pbx.fromExt,
        heartbeatMs: pbx.heartbeatMs,
        sn: pbx.sn,
        reportTarget: reportTarget({ port: listenPort, secret: pbx.reportSecret, eventsUrl: pbx.eventsUrl }),
        transport: { timeoutMs: pbx.timeoutMs, ca: pbx.ca, insecure: pbx.tlsInsecure },
        log: log.child({ component: 'pbx' }),
      });
  }
}
