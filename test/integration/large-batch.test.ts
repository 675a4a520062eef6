import { describe, expect, it } from 'vitest';
import { useEngine } from '../support/engine-harness.js';

const e = useEngine();

/** A window that opens two hours from now, so nothing is dialled while the test looks. */
function closedWindow() {
  const at = (h: number) => new Date(Date.now() + h * 3600_000).toISOString().slice(11, 16);
  return { start: at(2), end: at(3), timezone: 'UTC' };
}

describe('a batch of 100,000 calls', () => {
  it('is stored whole in one request, every call waiting in order', async () => {
    const calls = Array.from({ length: 100_000 }, (_, i) => ({ phone: `139${String(i).padStart(8, '0')}`, code: String(100_000 + i), ref: `r${i}` }));
    const res = await e.api('POST', '/api/campaigns', { name: 'big', calls, options: { window: closedWindow() } });
    expect(res.status).toBe(201);
    expect(res.body.counts).toMatchObject({ total: 100_000, pending: 100_000 });
    const page = await e.api('GET', `/api/campaigns/${res.body.id}/calls?limit=3`);
    expect(page.body.items.map((c: { ref: string }) => c.ref)).toEqual(['r0', 'r1', 'r2']);
    const last = await e.prisma.call.findFirst({ where: { campaignId: res.body.id }, orderBy: { seq: 'desc' }, select: { ref: true, seq: true } });
    expect(last).toEqual({ ref: 'r99999', seq: 99_999 });
  }, 120_000);

  it('is refused whole when one row is bad, naming it', async () => {
    const calls = Array.from({ length: 100_000 }, (_, i) => ({ phone: `137${String(i).padStart(8, '0')}`, code: '123456' }));
    calls[77_777] = { phone: 'not-a-number', code: '123456' };
    const before = await e.prisma.call.count();
    const res = await e.api('POST', '/api/campaigns', { name: 'big-bad', calls, options: { window: closedWindow() } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'calls[77777].phone' })]);
    expect(await e.prisma.call.count()).toBe(before);
  }, 120_000);

  it('leaves nothing behind when PostgreSQL refuses a row of the last chunk', async () => {
    // The chunks go out without waiting for each other: a refusal in the last one must still
    // take the campaign and every earlier chunk with it.
    await e.prisma.execute(`CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.ref = 'r99998' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$`);
    await e.prisma.execute(`CREATE TRIGGER refuse_row BEFORE INSERT ON call FOR EACH ROW EXECUTE FUNCTION refuse_row()`);
    try {
      const calls = Array.from({ length: 100_000 }, (_, i) => ({ phone: `136${String(i).padStart(8, '0')}`, code: '123456', ref: `r${i}` }));
      const [calls0, campaigns0] = [await e.prisma.call.count(), await e.prisma.campaign.count()];
      const res = await e.api('POST', '/api/campaigns', { name: 'big-refused', calls, options: { window: closedWindow() } });
      expect(res.status).toBe(500);
      expect([await e.prisma.call.count(), await e.prisma.campaign.count()]).toEqual([calls0, campaigns0]);
    } finally {
      await e.prisma.execute(`DROP TRIGGER refuse_row ON call`);
      await e.prisma.execute(`DROP FUNCTION refuse_row()`);
    }
  }, 120_000);
});
