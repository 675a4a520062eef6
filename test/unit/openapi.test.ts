import type { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { auditRoutes } from '../../src/api/audit.routes.js';
import { campaignRoutes } from '../../src/api/campaigns.routes.js';
import { buildOpenApi, OPERATIONS } from '../../src/api/openapi.js';
import { suppressionRoutes } from '../../src/api/suppressions.routes.js';

/** The routes a router really serves, as "METHOD /api/path/{param}". */
function servedRoutes(router: Router): string[] {
  const stack = (router as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] }).stack;
  return stack
    .filter((layer) => layer.route)
    .flatMap((layer) => Object.keys(layer.route!.methods).map((m) => `${m.toUpperCase()} /api${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`));
}

describe('the OpenAPI document', () => {
  // The routers are only built, never asked to handle a request, so their deps are not used.
  const deps = {} as Parameters<typeof campaignRoutes>[0];
  const served = [...servedRoutes(campaignRoutes(deps)), ...servedRoutes(suppressionRoutes({} as never)), ...servedRoutes(auditRoutes({} as never))].sort();
  const documented = OPERATIONS.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort();

  it('lists every /api route the service serves, and no other', () => {
    expect(served.length).toBeGreaterThan(10);
    expect(documented).toEqual(served);
  });

  it('is OpenAPI 3.1 with the request schemas the routes validate with', () => {
    const doc = buildOpenApi();
    expect(doc.openapi).toBe('3.1.0');
    const create = doc.paths['/api/campaigns']!.post as { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> } };
    const body = create.requestBody.content['application/json']!.schema;
    expect(body.required).toEqual(expect.arrayContaining(['name', 'calls']));
    expect(JSON.stringify(body.properties.calls)).toContain('"pattern":"^\\\\+?\\\\d{3,20}$"');
    expect(create.requestBody.content['text/csv']).toBeDefined();
    const calls = doc.paths['/api/campaigns/{id}/calls']!.get as { parameters: { name: string; in: string }[] };
    expect(calls.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(expect.arrayContaining(['path:id', 'query:limit', 'query:cursor', 'query:outcome', 'query:status']));
  });
});
