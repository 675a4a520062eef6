import express, { Router } from 'express';
import { z } from 'zod';
import { API_SCOPES, createApiKey, listApiKeys, revokeApiKey } from '../../app/api-keys.js';
import { listAudit } from '../../app/audit.js';
import { auditQuery } from '../audit.routes.js';
import type { Db } from '../../db/prisma.js';
import { parseWith } from '../parse.js';
import { html } from './html.js';
import { layout } from './layout.js';
import { pageContext, requireStaff } from './session.js';

const newKey = z.object({ name: z.string().trim().regex(/^[\w. -]{2,64}$/), scopes: z.union([z.enum(API_SCOPES), z.array(z.enum(API_SCOPES))]).transform((s) => (Array.isArray(s) ? s : [s])) });

/** Admins create and revoke the booking systems' API keys (a new key is shown once), and read the audit log. */
export function keyRoutes(prisma: Db): Router {
  const r = Router();
  const form = express.urlencoded({ extended: true, limit: '8kb' });

  const show = async (req: express.Request, res: express.Response, created?: { name: string; key: string }) => {
    const ctx = pageContext(req, res);
    const csrf = ctx.session!.csrfToken;
    const keys = await listApiKeys(prisma);
    res.type('html').send(
      layout(ctx, 'API keys', html`<h1>API keys</h1>
${created ? html`<p role="status">Key <strong>${created.name}</strong>: <code data-new-key>${created.key}</code>. Copy it now; it is not shown again.</p>` : ''}
<div class="wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">Starts with</th><th scope="col">Scopes</th><th scope="col">Last used</th><th scope="col">Revoked</th><th scope="col"></th></tr></thead><tbody>
${keys.map((k) => html`<tr><td>${k.name}</td><td><code>${k.prefix}…</code></td><td>${k.scopes.join(', ')}</td><td>${k.lastUsedAt?.toISOString().slice(0, 16) ?? ''}</td><td>${k.revokedAt?.toISOString().slice(0, 16) ?? ''}</td>
<td>${k.revokedAt ? '' : html`<form class="inline" method="post" action="/admin/keys/revoke"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="name" value="${k.name}"><button class="secondary">Revoke</button></form>`}</td></tr>`)}
</tbody></table></div>
<h2>New key</h2><form method="post" action="/admin/keys"><input type="hidden" name="csrf" value="${csrf}">
<label for="key-name">Name</label><input id="key-name" name="name" required>
<fieldset><legend>Scopes</legend>${API_SCOPES.map((s) => html`<label><input type="checkbox" name="scopes" value="${s}" ${s !== 'admin' ? 'checked' : ''}> ${s}</label>`)}</fieldset>
<p><button>Create</button></p></form>`).toString(),
    );
  };

  r.get('/admin/keys', requireStaff('admin'), (req, res) => show(req, res));
  r.get('/admin/audit', requireStaff('admin'), async (req, res) => {
    const ctx = pageContext(req, res);
    const { t } = ctx;
    const q = parseWith(auditQuery, req.query);
    const page = await listAudit(prisma, { limit: q.limit, before: q.cursor ?? null, actor: q.actor ?? null, action: q.action ?? null });
    res.type('html').send(
      layout(ctx, t.audit, html`<h1>${t.audit}</h1>
<div class="wrap"><table><thead><tr><th scope="col">${t.when}</th><th scope="col">${t.who}</th><th scope="col">${t.what}</th><th scope="col">${t.on}</th><th scope="col">IP</th></tr></thead><tbody>
${page.items.map((e) => html`<tr><td>${e.at.toISOString().replace('T', ' ').slice(0, 19)}</td><td>${e.actor}</td><td>${e.action}</td><td>${e.target ?? ''}</td><td>${e.ip ?? ''}</td></tr>`)}
</tbody></table></div>
${page.nextCursor ? html`<p><a href="/admin/audit?cursor=${page.nextCursor}">→</a></p>` : ''}`).toString(),
    );
  });
  r.post('/admin/keys', form, requireStaff('admin'), async (req, res) => {
    const k = parseWith(newKey, req.body);
    const key = await createApiKey(prisma, k.name, k.scopes);
    res.status(201);
    await show(req, res, { name: k.name, key });
  });
  r.post('/admin/keys/revoke', form, requireStaff('admin'), async (req, res) => {
    await revokeApiKey(prisma, parseWith(z.object({ name: z.string().min(1) }), req.body).name);
    res.redirect(303, '/admin/keys');
  });
  return r;
}
