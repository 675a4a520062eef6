import { parse } from 'csv-parse/sync';
import { ValidationError } from '../errors.js';

const COLUMNS = ['phone', 'code', 'prompt', 'ref', 'notAfter', 'codeExpiresAt', 'timezone'];

/** Rows of a CSV with a header row; no rows, or a column not in `columns` (matched without case), is a 400. */
export function parseCsvRows(text: string, columns: readonly string[]): Record<string, string>[] {
  const byLower = new Map(columns.map((c) => [c.toLowerCase(), c]));
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: (header: string[]) => header.map((h) => byLower.get(h.trim().toLowerCase()) ?? h.trim()), skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    throw new ValidationError('The CSV is not valid', [{ path: '(body)', message: (err as Error).message }]);
  }
  if (rows.length === 0) throw new ValidationError('The CSV has no rows', [{ path: '(body)', message: 'needs a header row and at least one row' }]);
  const header = Object.keys(rows[0]!);
  const unknown = header.filter((h) => !columns.includes(h));
  if (unknown.length) throw new ValidationError('The CSV header is not valid', [{ path: 'header', message: `unknown column(s): ${unknown.join(', ')}` }]);
  return rows;
}

/**
 * A `text/csv` campaign: a header row naming phone and code (prompt and ref optional), one
 * call a row; name and options come from the query string. Returns the JSON body shape, so
 * both forms are validated by the same schema.
 */
export function campaignFromCsv(text: string, query: Record<string, unknown>): Record<string, unknown> {
  const rows = parseCsvRows(text, COLUMNS);
  const calls = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== '')));
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query)) {
    if (k === 'name' || typeof v !== 'string') continue;
    options[k] = k === 'callbackUrl' ? v : Number.isNaN(Number(v)) ? v : Number(v);
  }
  return { name: query.name, calls, ...(Object.keys(options).length ? { options } : {}) };
}
