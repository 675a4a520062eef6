import type { StaffSession } from '../../app/staff-auth.js';
import { Html, html } from './html.js';
import type { Lang, textsFor } from './i18n.js';

const STYLE = `
:root{color-scheme:light;--fg:#1a1a1a;--muted:#555;--line:#ccc;--accent:#0b57d0;--ok:#137333;--bad:#b3261e;--bg:#fff}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}a:focus,button:focus,input:focus,select:focus{outline:3px solid #f9ab00;outline-offset:2px}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;border-bottom:1px solid var(--line)}
header nav{display:flex;gap:1rem;align-items:center}main{padding:1rem;max-width:72rem;margin:auto}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line)}
.wrap{overflow-x:auto}progress{width:10rem;height:1rem}button,.button{font:inherit;padding:.4rem .9rem;border:1px solid var(--accent);background:var(--accent);color:#fff;border-radius:4px;cursor:pointer;text-decoration:none}
button.secondary{background:#fff;color:var(--accent)}form.inline{display:inline}.muted{color:var(--muted)}
table.bar td:last-child{width:60%}.bar span.fill{display:inline-block;height:1rem;background:var(--accent)}
label{display:block;margin:.5rem 0 .2rem}input,select{font:inherit;padding:.35rem}.error{color:var(--bad)}
@media (max-width:40rem){th.opt,td.opt{display:none}}`;

export interface PageContext {
  lang: Lang;
  t: ReturnType<typeof textsFor>;
  session: StaffSession | null;
}

/** The page frame: skip link, header with navigation, language switch and sign-out. */
export function layout(ctx: PageContext, title: string, body: Html): Html {
  const { t, session } = ctx;
  return html`<!doctype html>
<html lang="${ctx.lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title} · codecall</title><style>${new Html(STYLE)}</style></head>
<body>
<a class="skip" href="#main">${t.skip}</a>
<header><strong><a href="/">codecall</a></strong>
<nav aria-label="main">${session ? html`<a href="/">${t.campaigns}</a><span class="muted">${session.username} (${session.role})</span>` : ''}
<a href="/lang/${ctx.lang === 'en' ? 'zh-CN' : 'en'}" lang="${ctx.lang === 'en' ? 'zh-CN' : 'en'}">${t.language}</a>
${session ? html`<form class="inline" method="post" action="/logout"><input type="hidden" name="csrf" value="${session.csrfToken}"><button class="secondary">${t.signOut}</button></form>` : ''}
</nav></header>
<main id="main">${body}</main>
</body></html>`;
}
