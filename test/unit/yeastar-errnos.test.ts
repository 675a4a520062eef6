import { describe, it, expect } from 'vitest';
import { describeErrno, TOKEN_ERRNOS } from '../../src/pbx/yeastar/errnos.js';

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
}

/** Every errno listed in shared/pbx-api.md §5 (ranges expanded). */
const DOCUMENTED = [
  ...range(10002, 10033),
  ...range(20000, 20021),
  '30001',
  '30003',
];

describe('describeErrno', () => {
  it.each(DOCUMENTED)('gives errno %s a documented meaning', (errno) => {
    const { meaning } = describeErrno(errno);
    expect(typeof meaning).toBe('string');
    expect(meaning.length).toBeGreaterThan(0);
    expect(meaning).not.toMatch(/undocumented/i);
  });

  it.each([
    ['10031', /callee number/i],
    ['10024', /outbound call permission/i],
    ['10012', /IVR does not exist/i],
    ['10007', /call does not exist/i],
  ])('gives errno %s the meaning pbx-api.md states', (errno, meaning) => {
    expect(describeErrno(errno).meaning).toMatch(meaning);
  });

  it.each(['10031', '10024', '10012'])('treats errno %s as permanent (not retryable)', (errno) => {
    expect(describeErrno(errno).retryable).toBe(false);
  });

  it.each(['20004', '20005', '20006'])('lets token errno %s be retried after a new login', (errno) => {
    expect(describeErrno(errno).retryable).toBe(true);
  });

  it.each(['99999', '10001', '', 'abc'])('says an unknown errno %j is undocumented and not retryable', (errno) => {
    expect(describeErrno(errno)).toEqual({ meaning: expect.stringMatching(/undocumented/i), retryable: false });
  });
});

describe('TOKEN_ERRNOS', () => {
  it('is exactly 20004, 20005 and 20006', () => {
    expect([...TOKEN_ERRNOS].sort()).toEqual(['20004', '20005', '20006']);
  });

  it('does not contain the P-Series/v2 token codes 10001 and 10002', () => {
    expect(TOKEN_ERRNOS.has('10001')).toBe(false);
    expect(TOKEN_ERRNOS.has('10002')).toBe(false);
  });
});
