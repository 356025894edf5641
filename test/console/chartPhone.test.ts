import { horizontalOverflow } from './axe';
import { ARTIFACTS, consoleSuite, signIn } from './browser';
import { buildTenant } from '../support/factories';
import { seedMailings } from './seed';
import path from 'node:path';

type Box = { width: number; height: number; left: number; right: number };
type Measured = { svg: Box; viewBoxWidth: number; ticks: { text: string; fontPx: number; box: Box }[] };

/** Issue 14: the status chart is read on a 390 px phone, not shrunk to a third of the laptop drawing. */
describe('admin console: the chart on a phone (real Chromium)', () => {
  const suite = consoleSuite({
    signIn: false,
    tenant: async (server) => {
      const tenant = await buildTenant(server);
      await tenant.campaign('cobranca', true);
      await seedMailings(server, tenant, 'cobranca', Array.from({ length: 12 }, (_v, i) => ({ name: `lote-${i}`, daysAgo: i * 2, phones: 1000 + i * 50, invalid: 60 + i * 5, unconfirmed: 30 + i })));
      return tenant;
    },
  });

  it('when the campaigns screen is open at 390×844, then the chart is as wide as the screen, tall enough, its labels render at a readable size and the day labels do not collide', async () => {
    const { page } = suite;
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, suite.admin);
    const chart = page.getByRole('group', { name: /Status da higienização por dia: todas as campanhas/ });
    await chart.waitFor();
    const measured = await chart.evaluate((element): Measured => {
      type El = { getBoundingClientRect(): Box; viewBox: { baseVal: { width: number } }; querySelectorAll(s: string): ArrayLike<El>; textContent: string | null };
      const root = element as unknown as El;
      const win = globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } };
      const svgBox = root.getBoundingClientRect();
      const scale = svgBox.width / root.viewBox.baseVal.width;
      const ticks = Array.from(root.querySelectorAll('text.tick')).map((text) => ({ text: text.textContent ?? '', fontPx: parseFloat(win.getComputedStyle(text).fontSize) * scale, box: text.getBoundingClientRect() }));
      return { svg: { width: svgBox.width, height: svgBox.height, left: svgBox.left, right: svgBox.right }, viewBoxWidth: root.viewBox.baseVal.width, ticks };
    });
    // The screen minus the page's margins, and a plot taller than a thumb (the laptop drawing was 85 px here).
    expect(measured.svg.width).toBeGreaterThanOrEqual(300);
    expect(measured.svg.height).toBeGreaterThanOrEqual(220);
    for (const tick of measured.ticks) expect(tick.fontPx).toBeGreaterThanOrEqual(11);
    const dayLabels = measured.ticks.filter((tick) => /^\d\d\/\d\d$/.test(tick.text));
    expect(dayLabels.length).toBeGreaterThanOrEqual(3);
    expect(dayLabels.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < dayLabels.length; i++) expect(dayLabels[i]!.box.left).toBeGreaterThan(dayLabels[i - 1]!.box.right);
    await expect(horizontalOverflow(page)).resolves.toBeLessThanOrEqual(0);
    await chart.screenshot({ path: path.join(ARTIFACTS, '94-chart-390.png') });

    // Back on a laptop the wide drawing returns by itself (the viewport crossed the phone width).
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { viewBox: { baseVal: { width: number } } } | null } }).document.querySelector('svg.chart-svg')?.viewBox.baseVal.width === 1100);
  });
});
