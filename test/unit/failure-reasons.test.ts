import { describe, it, expect } from 'vitest';
import { classifyFailureReason } from '../../src/pbx/yeastar/failure-reasons.js';
import { isPermanentFailure, type FailureClass } from '../../src/domain/call-events.js';

describe('classifyFailureReason on the CallFailed reasons of pbx-api.md §4.1', () => {
  it.each<[string, FailureClass]>([
    ['486 Busy Here', 'busy'],
    ['User busy', 'busy'],
    ['User Busy', 'busy'],
    ['480 Temporarily unavailable', 'no_answer'],
    ['408 Request Time', 'no_answer'],
    ['603 Declined', 'no_answer'],
    ['487 Request Terminated', 'no_answer'],
    ['404 NOT found', 'invalid_number'],
    ['484 Address Incomplete', 'invalid_number'],
    ['410 Gone', 'invalid_number'],
    ['NO Outbound Restriction', 'no_permission'],
    ['Circuit/channel congestion', 'congestion'],
    ['Line unreachable', 'unreachable'],
    ['Line Unreachable', 'unreachable'],
  ])('classifies %j as %s', (reason, expected) => {
    expect(classifyFailureReason(reason)).toBe(expected);
  });

  it.each<[string, FailureClass]>([
    ['480', 'no_answer'],
    ['486', 'busy'],
    ['404', 'invalid_number'],
  ])('classifies the bare code %j (OpenVox sends numbers) as %s', (reason, expected) => {
    expect(classifyFailureReason(reason)).toBe(expected);
  });

  it('ignores surrounding white space', () => {
    expect(classifyFailureReason('  486 Busy Here \n')).toBe('busy');
  });

  it('matches the phrases case-insensitively', () => {
    expect(classifyFailureReason('no outbound restriction')).toBe('no_permission');
    expect(classifyFailureReason('LINE UNREACHABLE')).toBe('unreachable');
  });

  it.each(['', 'Something went wrong', '500 Server Internal Error', '4860 Busy Here'])('classifies unknown text %j as other', (reason) => {
    expect(classifyFailureReason(reason)).toBe('other');
  });
});

describe('isPermanentFailure', () => {
  const ALL: FailureClass[] = ['busy', 'no_answer', 'congestion', 'invalid_number', 'no_permission', 'unreachable', 'other'];

  it('is true for invalid_number and no_permission only', () => {
    expect(ALL.filter(isPermanentFailure).sort()).toEqual(['invalid_number', 'no_permission']);
  });
});
