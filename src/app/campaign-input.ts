import { z } from 'zod';
import { RETRY_CLASSES } from '../domain/call-machine.js';
import { isValidTimezone } from '../domain/calling-window.js';
import { fillTemplate } from '../domain/prompt-template.js';
import { unspeakable, VOICE_NAMES } from '../tts/voices.js';

/** What a booking system submits. Strict: unknown fields are named as errors, not ignored. */

export const MAX_CALLS_PER_CAMPAIGN = 100_000;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
export const MAX_PROMPT_LENGTH = 300;
const isoInstant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date and time with a zone, e.g. 2026-03-12T18:00:00+08:00' }).transform((s) => new Date(s));
const timezone = z.string().refine(isValidTimezone, 'must be an IANA time zone such as Asia/Shanghai');
const retryRule = z.strictObject({ retry: z.boolean().optional(), delaySeconds: z.number().int().min(0).max(7 * 86_400).optional() });

export const callInput = z.strictObject({
  phone: z.string().regex(/^\+?\d{3,20}$/, 'must be 3 to 20 digits with an optional leading +'),
  code: z.string().regex(/^\d{4,8}$/, 'must be 4 to 8 digits'),
  /** The personal sentence spoken to this callee; or `fields` filling the campaign's promptTemplate. */
  prompt: z.string().trim().min(1).max(MAX_PROMPT_LENGTH).optional(),
  fields: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(MAX_PROMPT_LENGTH)).optional(),
  ref: z.string().min(1).max(128).optional(),
  /** Deadline (ISO 8601 with an offset): a call still waiting then ends as expired. */
  notAfter: isoInstant.optional(),
  /** After this a right code no longer verifies (the SMS code's own expiry). */
  codeExpiresAt: isoInstant.optional(),
  timezone: timezone.optional(),
});

export const windowInput = z.strictObject({
  start: z.string().regex(HHMM, 'must be HH:MM'),
  end: z.string().regex(HHMM, 'must be HH:MM'),
  timezone,
  days: z.array(z.number().int().min(1).max(7)).max(7).optional(),
});

export const campaignOptions = z.strictObject({
  maxConcurrent: z.number().int().min(1).max(1000).default(10),
  callsPerSecond: z.number().positive().max(100).default(5),
  maxCodeAttempts: z.number().int().min(1).max(10).default(3),
  maxDialAttempts: z.number().int().min(1).max(10).default(3),
  retryDelaySeconds: z.number().int().min(0).max(7 * 86_400).default(300),
  window: windowInput.refine((w) => w.start !== w.end, { message: 'start and end must differ', path: ['end'] }).optional(),
  callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
  voice: z.enum(VOICE_NAMES).default('zh'),
  promptTemplate: z.string().trim().min(1).max(MAX_PROMPT_LENGTH).optional(),
  /** 1 (low) to 10 (urgent): the share of the PBX while campaigns run at once. */
  priority: z.number().int().min(1).max(10).default(5),
  /** Default deadline of the calls. */
  notAfter: isoInstant.optional(),
  /** Per outcome class; the cap on attempts stays maxDialAttempts. */
  retry: z.partialRecord(z.enum(RETRY_CLASSES), retryRule).optional(),
  /** Least time between two calls to one number, across campaigns. */
  numberGapSeconds: z.number().int().min(0).max(7 * 86_400).default(0),
  /** Local dates (callee's zone) on which nobody is called. */
  blockedDates: z.array(z.iso.date()).max(366).default([]),
  /** A key that, pressed in the entry IVR, puts the number on the suppression list; null turns it off. */
  optOutKey: z.string().regex(/^[02-9*]$/, 'must be one key other than 1 (the confirm key)').nullable().default('9'),
});

export const campaignInput = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    calls: z.array(callInput).min(1, 'must hold at least one call').max(MAX_CALLS_PER_CAMPAIGN, `must hold at most ${MAX_CALLS_PER_CAMPAIGN} calls`),
    options: campaignOptions.default(() => campaignOptions.parse({})),
  })
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    c.calls.forEach((call, i) => {
      if (call.ref === undefined) return;
      const first = seen.get(call.ref);
      if (first === undefined) seen.set(call.ref, i);
      else ctx.addIssue({ code: 'custom', path: ['calls', i, 'ref'], message: `repeats the ref of calls[${first}]` });
    });
    const now = Date.now();
    if (c.options.notAfter && c.options.notAfter.getTime() <= now) ctx.addIssue({ code: 'custom', path: ['options', 'notAfter'], message: 'is in the past' });
    c.calls.forEach((call, i) => {
      if (call.notAfter && call.notAfter.getTime() <= now) ctx.addIssue({ code: 'custom', path: ['calls', i, 'notAfter'], message: 'is in the past' });
      if (call.timezone === undefined && c.options.window === undefined && c.options.blockedDates.length > 0 && i === 0) {
        ctx.addIssue({ code: 'custom', path: ['options', 'blockedDates'], message: 'need a time zone: give options.window or each call a timezone' });
      }
      const p = promptOf(call, c.options.promptTemplate);
      if ('missing' in p) {
        for (const f of p.missing) ctx.addIssue({ code: 'custom', path: ['calls', i, 'fields', f], message: 'is required by promptTemplate' });
        return;
      }
      // A prompt given as such was checked for length by its own schema already.
      if (p.text === null || (call.prompt !== undefined && call.prompt.length > MAX_PROMPT_LENGTH)) return;
      const at = call.prompt === undefined ? ['calls', i, 'fields'] : ['calls', i, 'prompt'];
      if (p.text === '') ctx.addIssue({ code: 'custom', path: at, message: 'gives an empty prompt' });
      else if (p.text.length > MAX_PROMPT_LENGTH) ctx.addIssue({ code: 'custom', path: at, message: `gives a prompt longer than ${MAX_PROMPT_LENGTH} characters` });
      else {
        const bad = unspeakable(c.options.voice, p.text);
        if (bad) ctx.addIssue({ code: 'custom', path: at, message: `has characters the ${c.options.voice} voice cannot speak: ${bad}` });
      }
    });
  });

/** The sentence to speak to this callee: its own prompt, else the filled template, else none. */
export function promptOf(call: Pick<CallInput, 'prompt' | 'fields'>, template: string | undefined): { text: string | null } | { missing: string[] } {
  if (call.prompt !== undefined) return { text: call.prompt };
  if (template === undefined) return { text: null };
  return fillTemplate(template, call.fields ?? {});
}

export type CampaignInput = z.infer<typeof campaignInput>;
export type CallInput = z.infer<typeof callInput>;
export type CampaignOptions = z.infer<typeof campaignOptions>;
