import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PbxEvent } from '../../src/domain/call-events.js';

/**
 * A stand-in for codecall's webhook: a real HTTP server that hands each POSTed report to
 * `onReport` and answers 200 once it resolved, or `status` when told to refuse.
 */
export class ReportReceiver {
  readonly bodies: string[] = [];
  readonly paths: string[] = [];
  readonly userAgents: string[] = [];
  readonly events: PbxEvent[] = [];
  status = 200;
  private server: http.Server | null = null;

  constructor(private readonly onReport: (body: unknown) => Promise<void>) {}

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        this.bodies.push(text);
        this.paths.push(req.url ?? '');
        this.userAgents.push(req.headers['user-agent'] ?? '');
        if (this.status !== 200) {
          res.writeHead(this.status).end();
          return;
        }
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          res.writeHead(400).end();
          return;
        }
        this.onReport(body).then(
          () => res.writeHead(200).end(),
          () => res.writeHead(500).end(),
        );
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server?.closeAllConnections();
  }
}

/** Polls until `check` returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
