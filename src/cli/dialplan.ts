import { parseArgs } from 'node:util';
import { DEFAULT_DIALPLAN, generateDialplan } from '../tts/dialplan.js';

/**
 * dialplan [--media DIR --entry 6500 --code 6501 --success 6502 --retry 6503 --digit-timeout 3
 * --response-timeout 4 --callee '${CALLERID(num)}' --hold-music NAME --opt-out-key 9]: prints
 * the Asterisk dialplan (extensions_support.conf) of the verification IVRs.
 */
export async function run([, ...args]: string[]): Promise<void> {
  const d = DEFAULT_DIALPLAN;
  const { values } = parseArgs({
    args,
    options: {
      media: { type: 'string', default: d.mediaPath },
      entry: { type: 'string', default: d.ivr.entry },
      code: { type: 'string', default: d.ivr.code },
      success: { type: 'string', default: d.ivr.success },
      retry: { type: 'string', default: d.ivr.retry },
      'digit-timeout': { type: 'string', default: String(d.digitTimeout) },
      'response-timeout': { type: 'string', default: String(d.responseTimeout) },
      callee: { type: 'string', default: d.calleeVariable },
      'hold-music': { type: 'string', default: d.holdMusic },
      'opt-out-key': { type: 'string', default: d.optOutKey ?? '' },
    },
  });
  for (const [name, v] of Object.entries({ entry: values.entry, code: values.code, success: values.success, retry: values.retry })) {
    if (!/^\d{1,10}$/.test(v)) throw new Error(`--${name} must be an IVR number`);
  }
  process.stdout.write(
    generateDialplan({
      mediaPath: values.media.replace(/\/$/, ''),
      ivr: { entry: values.entry, code: values.code, success: values.success, retry: values.retry },
      digitTimeout: Number(values['digit-timeout']),
      responseTimeout: Number(values['response-timeout']),
      calleeVariable: values.callee,
      holdMusic: values['hold-music'],
      optOutKey: values['opt-out-key'] || null,
    }),
  );
}
