import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskPhone } from '../../src/logger.js';

function logged(fn: (log: ReturnType<typeof createLogger>) => void): Record<string, any> {
  let line = '';
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      line += chunk.toString();
      done();
    },
  });
  fn(createLogger({ destination: sink }));
  return JSON.parse(line);
}

describe('log lines', () => {
  it('mask phone numbers in phone fields, other fields, error messages and the message', () => {
    const l = logged((log) => log.warn({ phone: '13800000001', detail: { to: '+8613912345678' }, err: new Error('no live call for 13700000002') }, 'dialled 13600000003'));
    expect(l.phone).toBe(maskPhone('13800000001'));
    expect(JSON.stringify(l)).not.toMatch(/13800000001|8613912345678|13700000002|13600000003/);
    expect(l.msg).toBe(`dialled ${maskPhone('13600000003')}`);
    expect(l.err.message).toBe(`no live call for ${maskPhone('13700000002')}`);
  });

  it('leave ids alone: UUIDs with long digit groups, dotted PBX call ids, times', () => {
    const ids = { callId: '61d15aa9-8511-4464-a01e-848123456887', campaignId: '12345678-1234-4321-8765-123456789012', pbxCallId: '1505352615.274', ms: 1234567890 };
    expect(logged((log) => log.info(ids, 'x'))).toMatchObject(ids);
  });

  it('never write codes, keys pressed, passwords or tokens', () => {
    const l = logged((log) => log.info({ code: '4821', digits: '4821', infos: '4821', info: '4', password: 'p', token: 't', authorization: 'Bearer k' }, 'x'));
    expect(JSON.stringify(l)).not.toMatch(/4821|"p"|"t"|Bearer/);
  });
});
