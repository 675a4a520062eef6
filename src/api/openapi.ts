import { z } from 'zod';
import { campaignInput } from '../app/campaign-input.js';
import { auditQuery } from './audit.routes.js';
import { callsQuery, campaignsQuery, idParam } from './campaigns.routes.js';
import { phoneParam, suppressionEntry, suppressionListQuery } from './suppressions.routes.js';

/**
 * OpenAPI 3.1 built from the zod schemas the routes validate with: one source, so the
 * document cannot drift from what the API accepts. A test checks every /api route is here.
 */
interface Operation {
  method: 'get' | 'post' | 'delete';
  path: string;
  summary: string;
  scope: 'read' | 'submit' | 'admin';
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  csv?: boolean;
  ok: number;
}

const id = idParam;
const phone = z.object({ phone: phoneParam });
const hangup = z.object({ hangup: z.enum(['true', 'false']).optional() });

export const OPERATIONS: Operation[] = [
  { method: 'post', path: '/api/campaigns', summary: 'Create a campaign (JSON, or text/csv with name and options in the query); Idempotency-Key replays the first result', scope: 'submit', body: campaignInput, csv: true, ok: 201 },
  { method: 'get', path: '/api/campaigns', summary: 'List campaigns, newest first', scope: 'read', query: campaignsQuery, ok: 200 },
  { method: 'get', path: '/api/campaigns/{id}', summary: 'A campaign with its counts', scope: 'read', params: id, ok: 200 },
  { method: 'get', path: '/api/campaigns/{id}/calls', summary: "A campaign's calls in batch order", scope: 'read', params: id, query: callsQuery, ok: 200 },
  { method: 'post', path: '/api/campaigns/{id}/pause', summary: 'Stop new dials', scope: 'submit', params: id, ok: 200 },
  { method: 'post', path: '/api/campaigns/{id}/resume', summary: 'Dial again', scope: 'submit', params: id, ok: 200 },
  { method: 'post', path: '/api/campaigns/{id}/cancel', summary: 'End the waiting calls as cancelled; live calls go on', scope: 'submit', params: id, ok: 200 },
  { method: 'get', path: '/api/campaigns/{id}/callbacks', summary: "The campaign's callback deliveries", scope: 'read', params: id, ok: 200 },
  { method: 'post', path: '/api/callbacks/{id}/redeliver', summary: 'Send a callback delivery again', scope: 'submit', params: id, ok: 202 },
  { method: 'get', path: '/api/calls/{id}', summary: 'A call with its attempts, timeline and callbacks', scope: 'read', params: id, ok: 200 },
  { method: 'post', path: '/api/calls/{id}/cancel', summary: 'Cancel one waiting call (a live one only with hangup=true)', scope: 'submit', params: id, query: hangup, ok: 200 },
  { method: 'post', path: '/api/calls/{id}/retry', summary: 'Dial a waiting call now', scope: 'submit', params: id, ok: 200 },
  { method: 'post', path: '/api/suppressions', summary: 'Add a number to the suppression list (JSON), or import text/csv phone,reason', scope: 'submit', body: suppressionEntry, csv: true, ok: 201 },
  { method: 'get', path: '/api/suppressions', summary: 'The suppression list', scope: 'read', query: suppressionListQuery, ok: 200 },
  { method: 'get', path: '/api/suppressions/{phone}', summary: 'One suppressed number', scope: 'read', params: phone, ok: 200 },
  { method: 'delete', path: '/api/suppressions/{phone}', summary: 'Take a number off the suppression list', scope: 'admin', params: phone, ok: 204 },
  { method: 'get', path: '/api/audit', summary: 'The audit log: who changed or exported what, newest first', scope: 'admin', query: auditQuery, ok: 200 },
];

const schemaOf = (s: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

function parameters(where: 'path' | 'query', obj: z.ZodObject | undefined) {
  if (!obj) return [];
  const schema = schemaOf(obj) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, s]) => ({ name, in: where, required: where === 'path' || (schema.required ?? []).includes(name), schema: s }));
}

export function buildOpenApi() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const content: Record<string, unknown> = {};
    if (op.body) content['application/json'] = { schema: schemaOf(op.body) };
    if (op.csv) content['text/csv'] = { schema: { type: 'string' } };
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      security: [{ bearer: [op.scope] }],
      parameters: [...parameters('path', op.params), ...parameters('query', op.query)],
      ...(op.body || op.csv ? { requestBody: { required: true, content } } : {}),
      responses: {
        [op.ok]: { description: 'Done' },
        default: { description: 'An error', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'codecall', version: '0.1.0', description: 'SMS-code verification call campaigns through an IP-PBX.' },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A key from API_KEYS or created by an admin; scopes read, submit, admin.' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code', 'message'],
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' }, errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } } },
        },
      },
    },
    paths,
  };
}
