import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { roleAllows, sessionFor, signIn, signOut, type StaffRole, type StaffSession } from '../../app/staff-auth.js';
import type { Db } from '../../db/prisma.js';
import { AppError } from '../../errors.js';
import { html } from './html.js';
import { langOf, textsFor } from './i18n.js';
import { layout, type PageContext } from './layout.js';
import { FailureLimiter } from '../rate-limit.js';

const SESSION_COOKIE = 'codecall_session';
const LOGIN_CSRF_COOKIE = 'codecall_login_csrf';

export function cookie(req: Request, name: string): string | undefined {
  const m = new RegExp(`(?:^|;\\s*)${name}=([^;]+)`).exec(req.headers.cookie ?? '');
  return m ? decodeURIComponent(m[1]!) : undefined;
}

function setCookie(res: Response, req: Request, name: string, value: string, maxAgeS: number): void {
  // Secure whenever the request came over HTTPS (directly or through a proxy that says so).
  const secure = req.secure || req.get('x-forwarded-proto') === 'https' ? '; Secure' : '';
  res.append('set-cookie', `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}${secure}`);
}

const same = (a: string | undefined, b: string | undefined) => !!a && !!b && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** A path on this site to return to: one slash, no backslash (browsers read `/\\x` as `//x`). */
function localPath(next: unknown): string {
  return typeof next === 'string' && /^\/(?![\/\\])[^\s\\]*$/.test(next) ? next : '/';
}

export function pageContext(req: Request, res: Response): PageContext {
  const lang = langOf(req);
  return { lang, t: textsFor(lang), session: (res.locals.staff as StaffSession | undefined) ?? null };
}

/** Loads the signed-in user, if any, into res.locals.staff; dashboard answers are never cached (app.ts sets the other security headers). */
export function loadSession(prisma: Db): RequestHandler {
  return async (req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    res.locals.staff = await sessionFor(prisma, cookie(req, SESSION_COOKIE));
    if (res.locals.staff) res.locals.actor = `staff:${(res.locals.staff as StaffSession).username}`;
    next();
  };
}

/** Pages need a session (else the sign-in page); changes need the role and the session's CSRF token. */
export function requireStaff(role: StaffRole = 'viewer'): RequestHandler {
  return (req, res, next) => {
    const s = res.locals.staff as StaffSession | null;
    if (!s) {
      if (req.method === 'GET') return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      return next(new AppError('unauthorized', 'Sign in first'));
    }
    if (!roleAllows(s.role, role)) return next(new AppError('forbidden', `This needs the ${role} role`));
    if (req.method !== 'GET' && !same(String((req.body as Record<string, unknown> | undefined)?.csrf ?? ''), s.csrfToken)) {
      return next(new AppError('forbidden', 'The form is stale or forged (CSRF check failed); reload the page'));
    }
    next();
  };
}

export function sessionRoutes(prisma: Db): Router {
  const r = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb' });
  // Guessing across accounts, on top of the per-account lockout.
  const limiter = new FailureLimiter(20);

  const showLogin = (req: Request, res: Response, error?: string, status = 200) => {
    const ctx = pageContext(req, res);
    const csrf = randomBytes(18).toString('base64url');
    setCookie(res, req, LOGIN_CSRF_COOKIE, csrf, 600);
    const next = localPath(req.query.next);
    res.status(status).type('html').send(
      layout(ctx, ctx.t.signIn, html`<h1>${ctx.t.signIn}</h1>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/login?next=${encodeURIComponent(next)}">
<input type="hidden" name="csrf" value="${csrf}">
<label for="username">${ctx.t.username}</label><input id="username" name="username" autocomplete="username" required>
<label for="password">${ctx.t.password}</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button>${ctx.t.signIn}</button></p></form>`).toString(),
    );
  };

  r.get('/login', (req, res) => showLogin(req, res));
  r.post('/login', form, async (req, res) => {
    const body = req.body as Record<string, string | undefined>;
    if (!same(body.csrf, cookie(req, LOGIN_CSRF_COOKIE))) return showLogin(req, res, 'The form expired; please try again.', 403);
    const address = req.ip ?? 'unknown';
    if (limiter.blocked(address)) return showLogin(req, res, 'Too many failed attempts; wait a minute.', 429);
    // Counted before the check, so a burst of parallel guesses cannot all slip through.
    limiter.fail(address);
    try {
      const { token } = await signIn(prisma, String(body.username ?? ''), String(body.password ?? ''));
      limiter.succeed(address);
      setCookie(res, req, SESSION_COOKIE, token, 12 * 3600);
      res.redirect(303, localPath(req.query.next));
    } catch (err) {
      if (err instanceof AppError && err.code === 'unauthorized') return showLogin(req, res, err.message, 401);
      throw err;
    }
  });
  r.post('/logout', form, requireStaff(), async (req, res) => {
    const token = cookie(req, SESSION_COOKIE);
    if (token) await signOut(prisma, token);
    setCookie(res, req, SESSION_COOKIE, '', 0);
    res.redirect(303, '/login');
  });
  r.get('/lang/:lang', (req, res) => {
    const lang = req.params.lang === 'zh-CN' ? 'zh-CN' : 'en';
    res.append('set-cookie', `lang=${lang}; Path=/; SameSite=Lax; Max-Age=31536000`);
    let back = '/';
    try {
      const ref = new URL(req.get('referer') ?? '/', 'http://invalid');
      if (ref.host === req.get('host')) back = localPath(ref.pathname + ref.search);
    } catch {
      // a malformed Referer: go home
    }
    res.redirect(303, back);
  });
  return r;
}
