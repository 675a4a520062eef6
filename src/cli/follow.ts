/** Calls the codecall API as the booking system would. */
export type ApiCall = (method: string, path: string, body?: unknown, contentType?: string) => Promise<any>;

export function apiClient(baseUrl: string, key: string): ApiCall {
  return async (method, path, body, contentType = 'application/json') => {
    const res = await fetch(new URL(path, baseUrl), {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${describeProblem(parsed)}`);
    return parsed;
  };
}

function describeProblem(p: { message?: string; errors?: { path: string; message: string }[] } | null): string {
  if (!p) return '';
  const errors = (p.errors ?? []).slice(0, 20).map((e) => `\n  ${e.path}: ${e.message}`).join('');
  return `${p.message ?? ''}${errors}`;
}

/**
 * Polls a campaign until it is over, drawing a progress bar (in place on a terminal, a line a
 * second otherwise), then prints the outcome table. Resolves with the last view.
 */
export async function followCampaign(api: ApiCall, id: string, out: NodeJS.WriteStream = process.stdout, opts: { pollMs?: number; timeoutMs?: number } = {}): Promise<any> {
  const started = Date.now();
  let view = await api('GET', `/api/campaigns/${id}`);
  let lastPrint = 0;
  while (view.status === 'running' || view.status === 'paused') {
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
    view = await api('GET', `/api/campaigns/${id}`);
    const c = view.counts;
    const done = c.total - c.pending - c.inProgress;
    const width = 30;
    const bar = '#'.repeat(Math.round((done / Math.max(1, c.total)) * width)).padEnd(width, '.');
    const line = `[${bar}] ${done}/${c.total} done, ${c.inProgress} live, ${c.pending} waiting | verified ${c.verified} | ${view.status} | ${((Date.now() - started) / 1000).toFixed(1)} s`;
    if (out.isTTY) out.write(`\r${line}`);
    else if (Date.now() - lastPrint > 1000 || view.status !== 'running') {
      out.write(`${line}\n`);
      lastPrint = Date.now();
    }
    if (opts.timeoutMs && Date.now() - started > opts.timeoutMs) throw new Error(`campaign ${id} did not finish in ${opts.timeoutMs / 1000} s`);
  }
  if (out.isTTY) out.write('\n');
  const rows = Object.entries(view.counts as Record<string, number>).filter(([k]) => !['total', 'pending', 'inProgress'].includes(k));
  out.write(`\nCampaign ${view.id}: ${view.status} in ${((Date.now() - started) / 1000).toFixed(1)} s\n\n`);
  out.write('outcome        calls\n-------------  -----\n');
  for (const [outcome, n] of rows) out.write(`${outcome.padEnd(13)}  ${String(n).padStart(5)}\n`);
  out.write(`-------------  -----\n${'total'.padEnd(13)}  ${String(view.counts.total).padStart(5)}\n`);
  return view;
}
