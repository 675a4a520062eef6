import type { buildOpenApi } from '../openapi.js';
import { html } from './html.js';

/** A plain, browsable rendering of /openapi.json: each operation with its parameters and body schema. */
export function apiDocsPage(doc: ReturnType<typeof buildOpenApi>): string {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op: op as Record<string, any> })));
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>codecall API</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}code,pre{font-size:.85rem}pre{background:#f5f5f5;padding:.5rem;overflow-x:auto}h2{font-size:1.1rem;margin-top:2rem}</style></head>
<body><h1>codecall API</h1><p>${doc.info.description} Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${doc.openapi}).
Every route needs <code>Authorization: Bearer &lt;key&gt;</code>; errors are <code>application/problem+json</code>.</p>
${ops.map(({ path, method, op }) => html`<section><h2><code>${method.toUpperCase()} ${path}</code></h2><p>${op.summary} (scope: ${op.security[0].bearer[0]})</p>
${op.parameters.length ? html`<p>Parameters: ${op.parameters.map((p: { name: string; in: string }) => html`<code>${p.name}</code> (${p.in}) `)}</p>` : ''}
${op.requestBody?.content['application/json'] ? html`<details><summary>Body schema</summary><pre>${JSON.stringify(op.requestBody.content['application/json'].schema, null, 2)}</pre></details>` : ''}</section>`)}
</body></html>`.toString();
}
