import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { apiClient, followCampaign } from './follow.js';

/**
 * submit: posts a CSV campaign (header phone,code[,prompt,ref,...]) to a running codecall and,
 * with --follow, shows its progress until it ends; follow: the same for a campaign by id.
 * Exits 1 when the campaign ended other than completed.
 */
export async function run([command, ...rest]: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      option: { type: 'string', multiple: true, default: [] },
      follow: { type: 'boolean', default: false },
      url: { type: 'string', default: process.env.CODECALL_URL ?? 'http://127.0.0.1:3000' },
      key: { type: 'string', default: process.env.CODECALL_API_KEY },
    },
  });
  if (!values.key) throw new Error('an API key is required: set CODECALL_API_KEY or pass --key');
  const api = apiClient(values.url, values.key);
  let id = positionals[0];
  if (command === 'submit') {
    if (!id || !values.name) throw new Error('usage: codecall submit FILE.csv --name NAME [--follow] [--option maxConcurrent=10]...');
    const query = new URLSearchParams({ name: values.name });
    for (const kv of values.option) {
      const eq = kv.indexOf('=');
      if (eq < 1) throw new Error(`--option takes key=value, not ${kv}`);
      query.append(kv.slice(0, eq), kv.slice(eq + 1));
    }
    const campaign = await api('POST', `/api/campaigns?${query}`, await readFile(id, 'utf8'), 'text/csv');
    console.log(`campaign ${campaign.id}: ${campaign.counts?.total ?? '?'} calls accepted`);
    if (!values.follow) return;
    id = campaign.id as string;
  }
  if (!id) throw new Error('usage: codecall follow CAMPAIGN_ID');
  const view = await followCampaign(api, id);
  if (view.status !== 'completed') process.exitCode = 1;
}
