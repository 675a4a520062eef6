import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffUser } from '../../src/app/staff-auth.js';
import { startEngine, type Engine } from '../support/engine-harness.js';

/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core (browser
 * downloads do not work here). Screenshots of the main pages go to docs/screenshots.
 */
// The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; other runs keep theirs apart.
const SHOTS = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : mkdtempSync(join(tmpdir(), 'codecall-shots-'));
const PASSWORD = 'correct horse battery';
let e: Engine;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // Slow enough that the campaign page visibly updates while calls run.
  e = await startEngine({ sim: { timeScale: 0.15 } });
  await createStaffUser(e.prisma, 'ada', PASSWORD, 'admin');
  await createStaffUser(e.prisma, 'vera', PASSWORD, 'viewer');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await e?.close();
});

async function signIn(user: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport, locale: 'en-US' });
  await page.goto(`${e.baseUrl}/`);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${e.baseUrl}/`);
  return page;
}

const csv = (rows: string[]) => ['phone,code,ref', ...rows].join('\n');

describe('the dashboard in Chromium', () => {
  it('takes an upload with a bad row to a preview, then runs the fixed campaign to completion while its page updates', async () => {
    const page = await signIn('ada');
    await page.screenshot({ path: `${SHOTS}/campaigns.png` });
    await page.getByRole('link', { name: '+ CSV' }).click();
    // Last digits pick the callees' behaviour; 5 and 6 (no answer, busy) would wait 300 s to retry.
    const endings = [0, 1, 2, 3, 4, 7, 8, 9, 0, 1, 3, 4];
    const rows = endings.map((d, i) => `1391234${String(i).padStart(3, '0')}${d},${100_000 + i},exam-${i}`);
    for (const [i, r] of rows.entries()) e.sim.deliverSms(r.split(',')[0]!, String(100_000 + i));
    await page.getByLabel('Name', { exact: true }).fill('Exams in March');
    await page.getByLabel('CSV', { exact: true }).fill(csv([...rows, '12,99,bad']));
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect.poll(() => page.locator('section').textContent()).toContain('13 rows, 2 problems.');
    await expect.poll(() => page.getByRole('cell', { name: 'line 14 (calls[12].phone)' }).count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/upload-preview.png`, fullPage: true });
    expect(await page.getByRole('button', { name: /^Submit/ }).count()).toBe(0);

    await page.getByLabel('CSV', { exact: true }).fill(csv(rows));
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('button', { name: 'Submit 12 calls' }).click();
    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
    const progress = page.locator('[data-field="progress"]');
    const first = await progress.textContent();
    await expect.poll(() => progress.textContent(), { timeout: 60_000 }).toBe('12/12');
    expect(first).not.toBe('12/12');
    await expect.poll(() => page.locator('[data-field="status"]').textContent(), { timeout: 10_000 }).toBe('completed');
    await page.reload();
    await page.screenshot({ path: `${SHOTS}/campaign.png`, fullPage: true });

    await page.getByRole('link', { name: rows[0]!.split(',')[0]! }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'route.transfer' }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/call.png`, fullPage: true });

    await page.getByRole('link', { name: 'Back to the campaign' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    const text = await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString('utf8'));
    expect(text.split('\n')[0]).toBe('phone,ref,status,outcome,dial_attempts,code_attempts,created_at,finished_at');
    expect(text.trim().split('\n')).toHaveLength(13);
    expect(text).not.toContain('100000');
    await page.close();
  }, 120_000);

  it('shows a viewer masked numbers and no controls, on a phone-sized screen', async () => {
    const page = await signIn('vera', { width: 390, height: 844 });
    await page.getByRole('link', { name: 'Exams in March' }).click();
    await expect.poll(() => page.getByRole('link', { name: /^139\*+\d{4}$/ }).count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: '+ CSV' }).count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/campaign-phone-viewer.png`, fullPage: true });
    const denied = await page.goto(`${e.baseUrl}/admin/queues`);
    expect(denied?.status()).toBe(403);
    await page.close();
  }, 60_000);

  it('is reachable by keyboard: skip link first, then the navigation', async () => {
    const page = await signIn('ada');
    await page.waitForLoadState('load');
    // Start from the document itself, as a person arriving on the page does.
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    await page.keyboard.press('Tab');
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    // The fragment's navigation reaches Playwright's view of the URL a moment after the key.
    await expect.poll(() => page.url()).toContain('#main');
    await page.close();
  }, 60_000);

  it('speaks Chinese after the switch', async () => {
    const page = await signIn('ada');
    await page.getByRole('link', { name: '中文' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('外呼任务');
    await page.screenshot({ path: `${SHOTS}/campaigns-zh.png` });
    await page.close();
  }, 60_000);
});
