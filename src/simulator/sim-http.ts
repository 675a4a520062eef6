import type http from 'node:http';

export type Answer = Record<string, unknown>;
export const fail = (errno: string): Answer => ({ status: 'Failed', errno });

/** `{"call":[{"ext":a},{"ext":b}]}` as the old format sends it: `"ext":a,"ext":b`, duplicate keys. */
export function legacyJson(report: Record<string, unknown>): string {
  const { call, ...rest } = report;
  const head = JSON.stringify(rest).slice(0, -1);
  const members = Array.isArray(call) ? call.flatMap((m: Record<string, unknown>) => Object.entries(m).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)) : [];
  return members.length ? `${head},${members.join(',')}}` : `${head}}`;
}

export function remoteIp(req: http.IncomingMessage): string {
  return (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

export function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === null ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close', ...headers });
  res.end(text);
}
