import { describe, expect, it } from 'vitest';
import { next, initialCallState } from '../../src/domain/call-machine.js';
import { fillTemplate, templateFields } from '../../src/domain/prompt-template.js';

describe('prompt templates', () => {
  it('fill each {field} with the value of the call', () => {
    expect(fillTemplate('为您预约{date}{subject}考试', { date: '3月12日', subject: '科目二' })).toEqual({ text: '为您预约3月12日科目二考试' });
  });

  it('name every field that is missing or blank, once', () => {
    expect(fillTemplate('{a} {b} {a} {c}', { b: ' ' })).toEqual({ missing: ['a', 'b', 'c'] });
    expect(templateFields('{a}{b}{a}')).toEqual(['a', 'b']);
  });

  it('leave text without fields as it is', () => {
    expect(fillTemplate('Please come on time.', {})).toEqual({ text: 'Please come on time.' });
  });
});

describe('a call whose prompt could not be prepared', () => {
  const ctx = {
    now: new Date(0),
    policy: { maxDialAttempts: 3, maxCodeAttempts: 3, retryDelayMs: 1000, unreachableDelayMs: 100, confirmKey: '1', ivr: { success: '6502', retry: '6503', fail: null } },
    checkCode: () => false,
  };

  it('ends as failed while it waits, without being dialled', () => {
    const t = next(initialCallState(), { type: 'prepare-failed', reason: 'espeak-ng missing' }, ctx);
    expect(t.state).toMatchObject({ status: 'done', outcome: 'failed', dialAttempts: 0 });
    expect(t.commands).toEqual([{ type: 'finished', outcome: 'failed' }]);
  });

  it('is not touched once it is being dialled', () => {
    const dialling = next(initialCallState(), { type: 'dial-started' }, ctx).state;
    const t = next(dialling, { type: 'prepare-failed', reason: 'late' }, ctx);
    expect(t.state).toEqual(dialling);
    expect(t.ignored).toMatch(/dialling/);
  });
});
