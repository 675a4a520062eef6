import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import { campaignInput } from '../../app/campaign-input.js';
import { createCampaign } from '../../app/create-campaign.js';
import type { Db } from '../../db/prisma.js';
import { ValidationError } from '../../errors.js';
import { campaignFromCsv } from '../csv-campaign.js';
import { formatPath } from '../problem.js';
import { html } from './html.js';
import { layout } from './layout.js';
import { pageContext, requireStaff } from './session.js';

interface Checked {
  rows: number;
  errors: { path: string; message: string }[];
}

/** Validates an uploaded CSV exactly as the API would, without storing anything. */
function check(name: string, csv: string, query: Record<string, string>): Checked & { input?: ReturnType<typeof campaignInput.parse> } {
  try {
    const body = campaignFromCsv(csv, { ...query, name });
    const parsed = campaignInput.safeParse(body);
    const rows = Array.isArray(body.calls) ? body.calls.length : 0;
    if (parsed.success) return { rows, errors: [], input: parsed.data };
    // Staff look at the file: name its line (after the header) beside the field.
    const where = (path: PropertyKey[]) => (path[0] === 'calls' && typeof path[1] === 'number' ? `line ${path[1] + 2} (${formatPath(path)})` : formatPath(path));
    return { rows, errors: parsed.error.issues.map((i) => ({ path: where(i.path), message: i.message })) };
  } catch (err) {
    if (err instanceof ValidationError) return { rows: 0, errors: err.errors };
    throw err;
  }
}

/**
 * New campaign from a CSV upload: a preview lists every bad row and why before anything is
 * submitted; only a clean file can be submitted, once (an idempotency key rides in the form).
 */
export function newCampaignRoutes(prisma: Db, codeSecret: string): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '32mb' });

  const page = (req: express.Request, res: express.Response, values: { name: string; csv: string; maxConcurrent: string; callsPerSecond: string }, checked?: Checked) => {
    const ctx = pageContext(req, res);
    const { t } = ctx;
    const csrf = ctx.session?.csrfToken ?? '';
    const ok = checked && checked.errors.length === 0 && checked.rows > 0;
    res.type('html').send(
      layout(ctx, t.newCampaign, html`<h1>${t.newCampaign}</h1>
<form method="post" action="/campaigns/new/preview">
<input type="hidden" name="csrf" value="${csrf}">
<label for="name">${t.name}</label><input id="name" name="name" required value="${values.name}">
<label for="maxConcurrent">${t.mostLive}</label><input id="maxConcurrent" name="maxConcurrent" inputmode="numeric" value="${values.maxConcurrent}">
<label for="callsPerSecond">${t.perSecond}</label><input id="callsPerSecond" name="callsPerSecond" inputmode="decimal" value="${values.callsPerSecond}">
<label for="file">${t.csvFile}</label><input id="file" type="file" accept=".csv,text/csv">
<label for="csv">CSV</label><textarea id="csv" name="csv" rows="8" cols="60" required>${values.csv}</textarea>
<p><button>${t.preview}</button></p></form>
<script src="/assets/upload.js" defer></script>
${checked ? html`<section aria-live="polite"><h2>${t.preview}</h2><p>${t.rowsProblems.replace('{rows}', String(checked.rows)).replace('{problems}', String(checked.errors.length))}</p>
${checked.errors.length ? html`<table><caption>${t.badRows}</caption><thead><tr><th scope="col">${t.where}</th><th scope="col">${t.why}</th></tr></thead><tbody>${checked.errors.slice(0, 500).map((e) => html`<tr><td>${e.path}</td><td>${e.message}</td></tr>`)}</tbody></table>` : ''}
${ok ? html`<form method="post" action="/campaigns/new"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="key" value="${randomUUID()}">
<input type="hidden" name="name" value="${values.name}"><input type="hidden" name="maxConcurrent" value="${values.maxConcurrent}"><input type="hidden" name="callsPerSecond" value="${values.callsPerSecond}">
<input type="hidden" name="csv" value="${values.csv}"><p><button>${t.submitCalls.replace('{rows}', String(checked.rows))}</button></p></form>` : ''}</section>` : ''}`).toString(),
    );
  };

  const valuesOf = (body: Record<string, string | undefined>) => ({
    name: (body.name ?? '').trim(),
    csv: body.csv ?? '',
    maxConcurrent: (body.maxConcurrent ?? '10').trim(),
    callsPerSecond: (body.callsPerSecond ?? '5').trim(),
  });
  const optionsOf = (v: ReturnType<typeof valuesOf>) => ({ maxConcurrent: v.maxConcurrent, callsPerSecond: v.callsPerSecond });

  r.get('/campaigns/new', requireStaff('operator'), (req, res) => page(req, res, { name: '', csv: '', maxConcurrent: '10', callsPerSecond: '5' }));
  r.post('/campaigns/new/preview', form, requireStaff('operator'), (req, res) => {
    const v = valuesOf(req.body as Record<string, string>);
    page(req, res, v, check(v.name, v.csv, optionsOf(v)));
  });
  r.post('/campaigns/new', form, requireStaff('operator'), async (req, res) => {
    const body = req.body as Record<string, string>;
    const v = valuesOf(body);
    const checked = check(v.name, v.csv, optionsOf(v));
    if (!checked.input) return page(req, res.status(400), v, checked);
    const { id } = await createCampaign({ prisma, codeSecret }, checked.input, body.key ? `dashboard-${body.key}` : null);
    res.redirect(303, `/campaigns/${id}`);
  });
  return r;
}
