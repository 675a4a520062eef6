import express, { type RequestHandler } from 'express';

/** Deeper than any body codecall takes; parsing a deeper one only costs stack and time. */
const MAX_DEPTH = 32;

/**
 * express.json with a nesting limit: the raw bytes are scanned before JSON.parse sees them,
 * and a body nested deeper than MAX_DEPTH is a 400 naming the body.
 */
export function jsonBody(opts: { limit: string; anyType?: boolean }): RequestHandler {
  return express.json({
    limit: opts.limit,
    ...(opts.anyType ? { type: () => true } : {}),
    verify: (_req, _res, buf) => {
      if (depthOf(buf) > MAX_DEPTH) throw Object.assign(new Error(`The body is nested more than ${MAX_DEPTH} levels deep`), { status: 400, type: 'entity.too.deep' });
    },
  });
}

function depthOf(buf: Buffer): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}
