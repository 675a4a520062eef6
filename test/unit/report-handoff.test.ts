import { describe, expect, it } from 'vitest';
import { ReportHandoff } from '../../src/app/report-handoff.js';
import { createLogger } from '../../src/logger.js';

const log = createLogger({ level: 'silent' });

function handoff(maxInline: number, fail: Set<bigint> = new Set()) {
  const processed: bigint[] = [];
  const callIds: string[] = [];
  const queued: bigint[] = [];
  const release: (() => void)[] = [];
  const h = new ReportHandoff({
    maxInline,
    log,
    process: (id, callId) =>
      new Promise<void>((resolve, reject) => {
        processed.push(id);
        callIds.push(callId);
        release.push(() => (fail.has(id) ? reject(new Error('database gone')) : resolve()));
      }),
    enqueue: async (ids) => void queued.push(...ids),
  });
  const finish = async () => {
    for (const r of release.splice(0)) r();
    await h.drain();
  };
  return { h, processed, callIds, queued, finish };
}

describe('handing stored reports to processing', () => {
  it('works up to maxInline reports at once itself and queues the rest', async () => {
    const { h, processed, queued, finish } = handoff(2);
    h.handOut([1n, 2n, 3n, 4n].map((id) => ({ id, pbxCallId: `c${id}`, callId: `call of c${id}`, awaited: true })));
    expect(processed).toEqual([1n, 2n]);
    expect(queued).toEqual([3n, 4n]);
    await finish();
    h.handOut([{ id: 5n, pbxCallId: 'c5', callId: 'call of c5', awaited: true }]);
    expect(processed).toEqual([1n, 2n, 5n]);
    await finish();
  });

  it('takes one report per PBX call, its first, since processing one takes all of its call', async () => {
    const { h, processed, callIds, queued, finish } = handoff(8);
    h.handOut([
      { id: 1n, pbxCallId: 'a', callId: 'call of a', awaited: false },
      { id: 2n, pbxCallId: 'a', callId: 'call of a', awaited: true },
      { id: 3n, pbxCallId: 'b', callId: 'call of b', awaited: true },
    ]);
    expect(processed).toEqual([1n, 3n]);
    expect(callIds).toEqual(['call of a', 'call of b']);
    expect(queued).toEqual([]);
    await finish();
  });

  it('queues a report whose processing failed, and drain waits for those under way', async () => {
    const { h, processed, queued, finish } = handoff(8, new Set([2n]));
    h.handOut([1n, 2n].map((id) => ({ id, pbxCallId: `c${id}`, callId: `call of c${id}`, awaited: true })));
    await finish();
    expect(processed).toEqual([1n, 2n]);
    expect(queued).toEqual([2n]);
  });

  it('leaves half the places to code entries: other reports past that are queued, a code entry is still worked at once', async () => {
    const { h, processed, queued, finish } = handoff(4);
    h.handOut(['a', 'b', 'c'].map((c, i) => ({ id: BigInt(i + 1), pbxCallId: c, callId: `call of ${c}`, awaited: false })));
    expect(processed).toEqual([1n, 2n]);
    expect(queued).toEqual([3n]);
    h.handOut([{ id: 4n, pbxCallId: 'd', callId: 'call of d', awaited: true }]);
    expect(processed).toEqual([1n, 2n, 4n]);
    await finish();
  });

  it('queues everything when maxInline is 0', () => {
    const { h, processed, queued } = handoff(0);
    h.handOut([{ id: 1n, pbxCallId: 'a', callId: 'call of a', awaited: true }]);
    expect(processed).toEqual([]);
    expect(queued).toEqual([1n]);
  });
});
