import type { PbxEvent } from '../../src/domain/call-events.js';
import { createLogger } from '../../src/logger.js';
import { reportTarget } from '../../src/pbx/yeastar/report-target.js';
import { YeastarDriver, type YeastarDriverOptions } from '../../src/pbx/yeastar/yeastar-driver.js';
import { PbxSimulator, type PbxSimulatorOptions } from '../../src/simulator/pbx-simulator.js';
import { ReportReceiver } from './report-receiver.js';

export const TEST_SECRET = 'test-report-secret-0123456789';

export interface PbxHarness {
  sim: PbxSimulator;
  driver: YeastarDriver;
  receiver: ReportReceiver;
  events: PbxEvent[];
  close(): Promise<void>;
}

/** A running simulator and an S-Series driver logged in to it over real HTTP. */
export async function startPbxHarness(
  opts: { sim?: PbxSimulatorOptions; driver?: Partial<YeastarDriverOptions>; startDriver?: boolean } = {},
): Promise<PbxHarness> {
  const sim = await new PbxSimulator({ timeScale: 0.002, ...opts.sim }).start();
  const events: PbxEvent[] = [];
  let driver: YeastarDriver | null = null;
  const receiver = await new ReportReceiver((body) => driver!.receiveReport(body, new Date())).start();
  driver = new YeastarDriver({
    baseUrl: new URL(sim.url),
    username: 'api',
    password: 'password',
    fromExt: '1000',
    reportTarget: reportTarget({ port: receiver.port, secret: TEST_SECRET }),
    transport: { timeoutMs: 2_000 },
    log: createLogger({ level: 'silent' }),
    ...opts.driver,
  });
  if (opts.startDriver !== false) {
    await driver.start(async (batch) => {
      events.push(...batch);
    });
  }
  return {
    sim,
    driver,
    receiver,
    events,
    async close() {
      await driver!.stop();
      await sim.stop();
      await receiver.stop();
    },
  };
}

export function eventsOf(events: PbxEvent[], pbxCallId: string) {
  return events.filter((e) => 'pbxCallId' in e && e.pbxCallId === pbxCallId);
}
