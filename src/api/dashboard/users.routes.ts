import express, { Router } from 'express';
import { z } from 'zod';
import { createStaffUser, STAFF_ROLES } from '../../app/staff-auth.js';
import type { Db } from '../../db/prisma.js';
import { NotFoundError } from '../../errors.js';
import { parseWith } from '../parse.js';
import { html } from './html.js';
import { layout } from './layout.js';
import { pageContext, requireStaff } from './session.js';

const newUser = z.object({ username: z.string().trim().regex(/^[\w.@-]{2,64}$/), password: z.string().min(12).max(200), role: z.enum(STAFF_ROLES) });
const roleChange = z.object({ role: z.enum(STAFF_ROLES) });

/** Admins manage staff accounts: who may sign in, with which role. */
export function userRoutes(prisma: Db): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb' });

  r.get('/admin/users', requireStaff('admin'), async (req, res) => {
    const ctx = pageContext(req, res);
    const { t, session } = ctx;
    const users = await prisma.staffUser.findMany({ orderBy: { username: 'asc' }, select: { id: true, username: true, role: true, lockedUntil: true } });
    const roleSelect = (current: string, idAttr: string) => html`<select id="${idAttr}" name="role">${STAFF_ROLES.map((r) => html`<option ${r === current ? 'selected' : ''}>${r}</option>`)}</select>`;
    res.type('html').send(
      layout(ctx, t.users, html`<h1>${t.users}</h1>
<div class="wrap"><table><thead><tr><th scope="col">${t.username}</th><th scope="col">${t.role}</th><th scope="col">${t.locked}</th></tr></thead><tbody>
${users.map((u) => html`<tr><td>${u.username}</td><td><form class="inline" method="post" action="/admin/users/${u.id}/role"><input type="hidden" name="csrf" value="${session!.csrfToken}"><label class="skip" for="role-${u.id}">${t.role}</label>${roleSelect(u.role, `role-${u.id}`)} <button class="secondary">OK</button></form></td><td>${u.lockedUntil && u.lockedUntil > new Date() ? u.lockedUntil.toISOString().slice(0, 16) : ''}</td></tr>`)}
</tbody></table></div>
<h2>${t.create}</h2><form method="post" action="/admin/users"><input type="hidden" name="csrf" value="${session!.csrfToken}">
<label for="username">${t.username}</label><input id="username" name="username" required>
<label for="password">${t.password}</label><input id="password" name="password" type="password" minlength="12" autocomplete="new-password" required>
<label for="role">${t.role}</label>${roleSelect('viewer', 'role')}
<p><button>${t.create}</button></p></form>`).toString(),
    );
  });

  r.post('/admin/users', form, requireStaff('admin'), async (req, res) => {
    const u = parseWith(newUser, req.body);
    await createStaffUser(prisma, u.username, u.password, u.role);
    res.redirect(303, '/admin/users');
  });

  r.post('/admin/users/:id/role', form, requireStaff('admin'), async (req, res) => {
    const { id } = parseWith(z.object({ id: z.uuid() }), req.params);
    const { role } = parseWith(roleChange, req.body);
    const n = await prisma.staffUser.updateMany({ where: { id }, data: { role } });
    if (n.count === 0) throw new NotFoundError('user', id);
    // A changed role takes effect at once: the user's sessions end.
    await prisma.staffSession.deleteMany({ where: { userId: id } });
    res.redirect(303, '/admin/users');
  });
  return r;
}
