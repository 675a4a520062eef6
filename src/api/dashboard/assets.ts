import { Router } from 'express';

/**
 * The dashboard's scripts, served as files so the content security policy can forbid inline
 * scripts. They hold no data and need no session.
 */
const SCRIPTS: Record<string, string> = {
  // Polls the URL in data-url every two seconds and updates the elements marked with data-field.
  'live.js': `(() => {
  const url = document.currentScript.dataset.url;
  const tick = async () => {
    try {
      const rows = await (await fetch(url, { headers: { accept: 'application/json' } })).json();
      for (const c of rows) {
        const scope = document.querySelector('[data-campaign="' + c.id + '"]') || document;
        const set = (f, v) => { const el = scope.querySelector('[data-field="' + f + '"]'); if (el) el.textContent = v; };
        set('status', c.status); set('progress', c.done + '/' + c.total); if (c.outcomes !== undefined) set('outcomes', c.outcomes);
        for (const [o, n] of Object.entries(c.counts || {})) { const el = document.querySelector('[data-outcome="' + o + '"]'); if (el) el.textContent = n; }
        const bar = scope.querySelector('progress'); if (bar) { bar.max = c.total; bar.value = c.done; }
      }
    } catch {}
  };
  setInterval(tick, 2000);
})();
`,
  // Reads a chosen CSV file into the text area, so the preview works without an upload field.
  'upload.js': `document.getElementById('file').addEventListener('change', async (e) => { const f = e.target.files[0]; if (f) document.getElementById('csv').value = await f.text(); });
`,
};

export function assetRoutes(): Router {
  const r = Router();
  r.get('/assets/:name', (req, res, next) => {
    const script = SCRIPTS[req.params.name];
    if (script === undefined) return next();
    res.type('text/javascript').setHeader('cache-control', 'public, max-age=300');
    res.send(script);
  });
  return r;
}
