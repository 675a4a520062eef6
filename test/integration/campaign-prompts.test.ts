import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { smsCall, useEngine } from '../support/engine-harness.js';
import { waitFor } from '../support/report-receiver.js';

const e = useEngine();

const fast = { retryDelaySeconds: 0, maxConcurrent: 10, callsPerSecond: 50 };
const template = '为您预约{date}{subject}考试';
const wavFiles = () => readdirSync(e.mediaDir).filter((f) => f.endsWith('.wav') && !f.startsWith('.'));

describe('personal prompts in a campaign', () => {
  it('are in place as <number>.wav whenever the entry IVR plays them, and removed once the calls are done', async () => {
    const calls = ['13700000010', '13700000013', '13700000017'].map((p, i) => ({ ...smsCall(e, p, String(5000 + i)), fields: { date: `3月${12 + i}日`, subject: '科目二' } }));
    const res = await e.api('POST', '/api/campaigns', { name: 'prompts', calls, options: { ...fast, promptTemplate: template } });
    expect(res.status).toBe(201);
    await e.waitForCampaign(res.body.id);
    const played = e.sim.recorder.prompts.filter((p) => calls.some((c) => c.phone === p.phone));
    expect(played).toHaveLength(3);
    expect(played.every((p) => p.found && p.wav && p.bytes > 8000)).toBe(true);
    await waitFor(() => calls.every((c) => !existsSync(join(e.mediaDir, `${c.phone}.wav`))), 10_000, 'prompt files removed');
  });

  it('renders a shared sentence once for every callee', async () => {
    const calls = ['13700000020', '13700000021'].map((p, i) => smsCall(e, p, String(6000 + i), { prompt: '请准时参加考试' }));
    const before = readdirSync(join(e.mediaDir, '.cache')).length;
    const res = await e.api('POST', '/api/campaigns', { name: 'shared', calls, options: fast });
    await e.waitForCampaign(res.body.id);
    expect(readdirSync(join(e.mediaDir, '.cache')).length).toBe(before + 1);
  });

  it('never dials a call whose prompt cannot be rendered, and says why in its timeline', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const phone = '13700000030';
      const res = await e.api('POST', '/api/campaigns', { name: 'no-tts', calls: [{ phone, code: '1234', prompt: '一个无法合成的句子' }], options: fast });
      const done = await e.waitForCampaign(res.body.id);
      expect(done.counts.failed).toBe(1);
      expect(e.sim.recorder.dials.filter((d) => d.phone === phone)).toHaveLength(0);
      const { body } = await e.api('GET', `/api/campaigns/${res.body.id}/calls`);
      const call = await e.api('GET', `/api/calls/${body.items[0].id}`);
      const failed = call.body.events.find((ev: { kind: string }) => ev.kind === 'prompt.failed');
      expect(failed.detail.reason).toMatch(/espeak-ng/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('dials calls without a prompt at once, with no file to play', async () => {
    const phone = '13700000040';
    const res = await e.api('POST', '/api/campaigns', { name: 'plain', calls: [smsCall(e, phone, '4444')], options: fast });
    const done = await e.waitForCampaign(res.body.id);
    expect(done.counts.verified).toBe(1);
    expect(wavFiles()).not.toContain(`${phone}.wav`);
  });
});

describe('prompt templates are checked at submission', () => {
  const post = (calls: object[], options: object = {}) => e.api('POST', '/api/campaigns', { name: 'bad', calls, options: { promptTemplate: template, ...options } });

  it('names the row and field a template needs and the call lacks', async () => {
    const res = await post([{ phone: '13700000100', code: '1234', fields: { date: '3月12日', subject: '科目二' } }, { phone: '13700000101', code: '1234', fields: { date: '3月12日' } }]);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'calls[1].fields.subject', message: 'is required by promptTemplate' }]);
  });

  it('refuses an empty or over-long sentence, and characters the voice cannot speak', async () => {
    const res = await e.api('POST', '/api/campaigns', {
      name: 'bad',
      calls: [
        { phone: '13700000102', code: '1234', prompt: 'x'.repeat(301) },
        { phone: '13700000103', code: '1234', prompt: '考试在周一' },
        { phone: '13700000104', code: '1234', prompt: 'Exam on Monday ☺' },
      ],
      options: { voice: 'en' },
    });
    expect(res.status).toBe(400);
    const paths = res.body.errors.map((x: { path: string; message: string }) => `${x.path}: ${x.message}`);
    expect(paths).toEqual([
      expect.stringMatching(/^calls\[0\]\.prompt: /),
      'calls[1].prompt: has characters the en voice cannot speak: 考试在周一',
      'calls[2].prompt: has characters the en voice cannot speak: ☺',
    ]);
    const empty = await post([{ phone: '13700000105', code: '1234', fields: { date: ' ', subject: '科目二' } }]);
    expect(empty.body.errors).toEqual([{ path: 'calls[0].fields.date', message: 'is required by promptTemplate' }]);
    expect(await e.prisma.campaign.count({ where: { name: 'bad' } })).toBe(0);
  });
});
