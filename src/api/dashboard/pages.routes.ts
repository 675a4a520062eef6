import express, { Router } from 'express';
import { z } from 'zod';
import { changeCampaignStatus } from '../../app/campaign-control.js';
import { countCalls, getCall, getCampaign, listCampaigns } from '../../app/campaign-queries.js';
import { attemptsOverTime, campaignFunnel, exportBatches, progressOf, searchCalls } from '../../app/dashboard-queries.js';
import type { StaffSession } from '../../app/staff-auth.js';
import { CALL_STATUSES, OUTCOMES } from '../../domain/outcomes.js';
import type { Db } from '../../db/prisma.js';
import { maskPhone } from '../../logger.js';
import { parseWith } from '../parse.js';
import { attemptsChart } from './chart.js';
import { html } from './html.js';
import { layout } from './layout.js';
import { pageContext, requireStaff } from './session.js';

const id = z.object({ id: z.uuid() });
const callsQuery = z.object({
  outcome: z.enum(OUTCOMES).or(z.literal('')).optional(),
  status: z.enum(CALL_STATUSES).or(z.literal('')).optional(),
  q: z.string().trim().max(128).optional(),
  after: z.coerce.number().int().min(-1).default(-1),
});
const PAGE = 50;

const EMPTY_PROGRESS = { total: 0, done: 0, live: 0, outcomes: {} };

/** "verified 7 · busy 1": the outcomes a campaign has so far, in the contract's order. */
const outcomeSummary = (counts: Partial<Record<string, number>>) =>
  OUTCOMES.filter((o) => counts[o]).map((o) => `${o} ${counts[o]}`).join(' · ');

/** Phone numbers in full for operators and admins, masked (138****0001) for viewers. */
const phoneFor = (s: StaffSession | null, phone: string) => (s && s.role !== 'viewer' ? phone : maskPhone(phone));

export function pageRoutes(prisma: Db): Router {
  const r = Router();

  r.get('/', requireStaff(), async (req, res) => {
    const ctx = pageContext(req, res);
    const { items } = await listCampaigns(prisma, 100, null);
    const progress = await progressOf(prisma, items.map((c) => c.id));
    const rows = items.map((c) => {
      const p = progress.get(c.id) ?? EMPTY_PROGRESS;
      return html`<tr data-campaign="${c.id}"><td><a href="/campaigns/${c.id}">${c.name}</a></td><td data-field="status">${c.status}</td>
<td><progress max="${p.total}" value="${p.done}" aria-label="${ctx.t.progress}"></progress> <span data-field="progress">${p.done}/${p.total}</span></td>
<td data-field="outcomes">${outcomeSummary(p.outcomes)}</td><td class="opt">${c.createdAt.toISOString().slice(0, 16).replace('T', ' ')}</td></tr>`;
    });
    res.type('html').send(
      layout(ctx, ctx.t.campaigns, html`<h1>${ctx.t.campaigns}</h1>
${ctx.session && ctx.session.role !== 'viewer' ? html`<p><a class="button" href="/campaigns/new">+ CSV</a>${ctx.session.role === 'admin' ? html` <a href="/admin/queues">Queues</a> <a href="/admin/users">${ctx.t.users}</a> <a href="/admin/keys">API keys</a> <a href="/admin/audit">${ctx.t.audit}</a>` : ''}</p>` : ''}
${items.length === 0 ? html`<p>${ctx.t.noCampaigns}</p>` : html`<div class="wrap"><table><caption class="muted">${ctx.t.campaigns}</caption>
<thead><tr><th scope="col">${ctx.t.name}</th><th scope="col">${ctx.t.status}</th><th scope="col">${ctx.t.progress}</th><th scope="col">${ctx.t.outcomes}</th><th scope="col" class="opt">${ctx.t.created}</th></tr></thead>
<tbody>${rows}</tbody></table></div>`}
${liveUpdate('/ui/progress')}`).toString(),
    );
  });

  // The list's live data: polled every two seconds by the page.
  r.get('/ui/progress', requireStaff(), async (_req, res) => {
    const { items } = await listCampaigns(prisma, 100, null);
    const progress = await progressOf(prisma, items.map((c) => c.id));
    res.json(items.map((c) => {
      const p = progress.get(c.id) ?? EMPTY_PROGRESS;
      return { id: c.id, status: c.status, total: p.total, done: p.done, live: p.live, outcomes: outcomeSummary(p.outcomes) };
    }));
  });

  r.get('/campaigns/:id', requireStaff(), async (req, res) => {
    const ctx = pageContext(req, res);
    const { id: campaignId } = parseWith(id, req.params);
    const q = parseWith(callsQuery, req.query);
    const [campaign, funnel, overTime, calls] = await Promise.all([
      getCampaign(prisma, campaignId),
      campaignFunnel(prisma, campaignId),
      attemptsOverTime(prisma, campaignId),
      searchCalls(prisma, campaignId, { outcome: q.outcome || undefined, status: q.status || undefined, search: q.q || undefined, byPhone: res.locals.staff?.role !== 'viewer', afterSeq: q.after, limit: PAGE + 1 }),
    ]);
    const { t, session } = ctx;
    const canOperate = session !== null && session.role !== 'viewer';
    const page = calls.slice(0, PAGE);
    const nextAfter = calls.length > PAGE ? page.at(-1)!.seq : null;
    const steps: [string, number][] = [[t.dialled, funnel.dialled], [t.answered, funnel.answered], [t.pressed1, funnel.pressed1], [t.codeEntered, funnel.codeEntered], [t.verified, funnel.verified]];
    const outcomeRows = OUTCOMES.map((o) => html`<tr><th scope="row">${o}</th><td data-outcome="${o}">${campaign.counts[o]}</td><td><span class="fill" style="width:${Math.round((campaign.counts[o] / Math.max(1, campaign.counts.total)) * 100)}%"></span></td></tr>`);
    const control = (action: 'pause' | 'resume' | 'cancel', label: string) =>
      html`<form class="inline" method="post" action="/campaigns/${campaignId}/${action}"><input type="hidden" name="csrf" value="${session?.csrfToken ?? ''}"><button class="${action === 'cancel' ? 'secondary' : ''}">${label}</button></form>`;
    const qs = (after: number) => `?${new URLSearchParams({ ...(q.outcome ? { outcome: q.outcome } : {}), ...(q.status ? { status: q.status } : {}), ...(q.q ? { q: q.q } : {}), after: String(after) })}`;
    res.type('html').send(
      layout(ctx, campaign.name, html`<h1>${campaign.name}</h1>
<p><span data-field="status">${campaign.status}</span> · <span data-field="progress">${campaign.counts.total - campaign.counts.pending - campaign.counts.inProgress}/${campaign.counts.total}</span>
${canOperate && campaign.status === 'running' ? control('pause', t.pause) : ''}${canOperate && campaign.status === 'paused' ? control('resume', t.resume) : ''}
${canOperate && (campaign.status === 'running' || campaign.status === 'paused') ? control('cancel', t.cancel) : ''}
<a class="button" href="/campaigns/${campaignId}/export.csv">${t.export}</a></p>
<h2>${t.funnel}</h2><table class="bar"><tbody>${steps.map(([label, n]) => html`<tr><th scope="row">${label}</th><td>${n}</td><td><span class="fill" style="width:${Math.round((n / Math.max(1, funnel.total)) * 100)}%"></span></td></tr>`)}</tbody></table>
<h2>${t.outcomes}</h2><table class="bar"><tbody>${outcomeRows}</tbody></table>
<h2>${t.overTime}</h2>${attemptsChart(overTime, { title: t.overTime, attempts: t.dialAttempts, answered: t.answers, when: t.when })}
<h2>${t.calls}</h2>
<form method="get" role="search"><label for="q">${t.search}</label><input id="q" name="q" value="${q.q ?? ''}">
<label for="outcome">${t.outcome}</label><select id="outcome" name="outcome"><option value="">${t.any}</option>${OUTCOMES.map((o) => html`<option ${q.outcome === o ? 'selected' : ''}>${o}</option>`)}</select>
<label for="status">${t.status}</label><select id="status" name="status"><option value="">${t.any}</option>${CALL_STATUSES.map((s) => html`<option ${q.status === s ? 'selected' : ''}>${s}</option>`)}</select>
<p><button>${t.filter}</button></p></form>
<div class="wrap"><table><thead><tr><th scope="col">${t.phone}</th><th scope="col">${t.ref}</th><th scope="col">${t.status}</th><th scope="col">${t.outcome}</th><th scope="col" class="opt">${t.attempts}</th><th scope="col" class="opt">${t.updated}</th></tr></thead>
<tbody>${page.map((c) => html`<tr><td><a href="/calls/${c.id}">${phoneFor(session, c.phone)}</a></td><td>${c.ref ?? ''}</td><td>${c.status}</td><td>${c.outcome ?? ''}</td><td class="opt">${c.dial_attempts} / ${c.code_attempts}</td><td class="opt">${c.updated_at.toISOString().slice(11, 19)}</td></tr>`)}</tbody></table></div>
${nextAfter !== null ? html`<p><a href="${qs(nextAfter)}" rel="next">${t.next}</a></p>` : ''}
${liveUpdate(`/ui/campaigns/${campaignId}`)}`).toString(),
    );
  });

  r.get('/ui/campaigns/:id', requireStaff(), async (req, res) => {
    const { id: campaignId } = parseWith(id, req.params);
    const c = await getCampaign(prisma, campaignId);
    res.json([{ id: c.id, status: c.status, total: c.counts.total, done: c.counts.total - c.counts.pending - c.counts.inProgress, counts: c.counts }]);
  });

  r.get('/calls/:id', requireStaff(), async (req, res) => {
    const ctx = pageContext(req, res);
    const call = await getCall(prisma, parseWith(id, req.params).id);
    const { t, session } = ctx;
    res.type('html').send(
      layout(ctx, phoneFor(session, call.phone), html`<h1>${phoneFor(session, call.phone)} ${call.ref ? html`<span class="muted">(${call.ref})</span>` : ''}</h1>
<p>${t.status}: ${call.status} · ${t.outcome}: ${call.outcome ?? '—'} · ${t.attempts}: ${call.dialAttempts} / ${call.codeAttempts}
${call.waitReason ? html` · ${t.waitReason}: ${call.waitReason}` : ''}</p>
<p><a href="/campaigns/${call.campaignId}">${t.back}</a></p>
<h2>${t.attempts}</h2><div class="wrap"><table><thead><tr><th scope="col">${t.attemptNo}</th><th scope="col">${t.status}</th><th scope="col">${t.started}</th><th scope="col">${t.answered}</th><th scope="col">${t.ended}</th><th scope="col">${t.result}</th></tr></thead>
<tbody>${call.attempts.map((a) => html`<tr><td>${a.no}</td><td>${a.state}</td><td>${a.startedAt.toISOString().slice(11, 23)}</td><td>${a.answeredAt?.toISOString().slice(11, 23) ?? ''}</td><td>${a.endedAt?.toISOString().slice(11, 23) ?? ''}</td><td>${a.result ?? ''}</td></tr>`)}</tbody></table></div>
<h2>${t.timeline}</h2><div class="wrap"><table><thead><tr><th scope="col">${t.when}</th><th scope="col">${t.what}</th><th scope="col">${t.detail}</th></tr></thead>
<tbody>${call.events.map((e) => html`<tr><td>${e.at.toISOString().replace('T', ' ').slice(0, 23)}</td><td>${e.kind}</td><td><code>${e.detail ? JSON.stringify(e.detail) : ''}</code></td></tr>`)}</tbody></table></div>`).toString(),
    );
  });

  const form = express.urlencoded({ extended: false, limit: '8kb' });
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    r.post(`/campaigns/:id/${action}`, form, requireStaff('operator'), async (req, res) => {
      const { id: campaignId } = parseWith(id, req.params);
      await changeCampaignStatus(prisma, campaignId, action);
      res.redirect(303, `/campaigns/${campaignId}`);
    });
  }

  // Streamed in batches: a 100,000-call export never sits in memory. Never a code.
  r.get('/campaigns/:id/export.csv', requireStaff(), async (req, res) => {
    const { id: campaignId } = parseWith(id, req.params);
    await countCalls(prisma, campaignId);
    const session = res.locals.staff as StaffSession;
    res.type('text/csv').setHeader('content-disposition', `attachment; filename="campaign-${campaignId}.csv"`);
    res.write('phone,ref,status,outcome,dial_attempts,code_attempts,created_at,finished_at\n');
    for await (const batch of exportBatches(prisma, campaignId)) {
      const lines = batch.map((c) => [phoneFor(session, c.phone), c.ref ?? '', c.status, c.outcome ?? '', c.dial_attempts, c.code_attempts, c.created_at.toISOString(), c.finished_at?.toISOString() ?? ''].map(csvField).join(','));
      if (!res.write(`${lines.join('\n')}\n`)) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  });

  return r;
}

function csvField(v: string | number): string {
  const s = String(v);
  // A leading = + - @ tab or CR would run as a formula in a spreadsheet (phones keep their +).
  const safe = /^[=\-@\t\r]|^\+(?!\d+$)/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Updates the page from `url` every two seconds, without reloading (assets.ts). */
function liveUpdate(url: string) {
  return html`<script src="/assets/live.js" data-url="${url}" defer></script>`;
}
