import { brazilianDate, type DailyStatusMix } from '../../../../../plugin/contract/protocol';
import { h, svg, uid } from '../dom';
import { countDetail, formatNumber, lang, t } from '../i18n';

/**
 * Two drawings of the same chart. The SVG scales to its box, so a wide drawing on a 390 px phone shrank to a third
 * (80 px tall, 4 px labels); a phone gets a drawing about its own width, taller, with fewer day labels, so its
 * text renders near its CSS size. Chosen by the viewport when drawn, and drawn again when the viewport crosses.
 */
const WIDE = { width: 1100, height: 240, pad: { top: 16, right: 52, bottom: 28, left: 64 }, dayLabels: 6, narrow: false };
const NARROW = { width: 360, height: 300, pad: { top: 16, right: 44, bottom: 30, left: 52 }, dayLabels: 4, narrow: true };
const NARROW_QUERY = '(max-width: 600px)';
/** The last `count` calendar days in Brazil, as the server groups them. */
function lastDays(count: number): string[] {
  const now = Date.now();
  return Array.from({ length: count }, (_v, i) => brazilianDate(now - (count - 1 - i) * 86_400_000));
}

function niceMax(value: number): number {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude * 4 >= value) ?? 10;
  return step * magnitude * 4;
}

const shortDay = (day: string) => (lang() === 'en' ? `${day.slice(5, 7)}/${day.slice(8, 10)}` : `${day.slice(8, 10)}/${day.slice(5, 7)}`);

/**
 * The status mix per day as stacked bars (invalid below, unconfirmed above: the bar's height is the hygienized
 * total), hand-made SVG, with the same numbers in a table for screen readers and keyboard users.
 */
export function statusMixChart(title: string, data: DailyStatusMix[], dayCount = 30): HTMLElement {
  const narrowQuery = window.matchMedia(NARROW_QUERY);
  const { width: WIDTH, height: HEIGHT, pad: PAD, dayLabels, narrow } = narrowQuery.matches ? NARROW : WIDE;
  const byDay = new Map(data.map((row) => [row.day, row]));
  const days = lastDays(dayCount).map((day) => byDay.get(day) ?? { day, mailings: 0, phonesTotal: 0, hygienized: 0, invalid: 0, unconfirmed: 0 });
  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const totals = days.reduce((sum, d) => ({ hygienized: sum.hygienized + d.hygienized, invalidPhones: sum.invalidPhones + d.invalid, unconfirmedPhones: sum.unconfirmedPhones + d.unconfirmed }), { hygienized: 0, invalidPhones: 0, unconfirmedPhones: 0 });
  const figure = h('figure', { class: 'chart' }, h('figcaption', { id: titleId, class: 'chart-title' }, title));
  if (totals.hygienized === 0 && data.length === 0) {
    figure.append(h('p', { class: 'muted' }, t('chartEmptyDays', { days: dayCount })));
    return figure;
  }

  const max = niceMax(Math.max(...days.map((d) => d.hygienized), 1));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / days.length;
  const barW = Math.max(slot * 0.7, 2);
  const y = (value: number) => PAD.top + plotH - (value / max) * plotH;

  // role=group, not img: its bars are focusable, each with its values as its name (keyboard and screen readers).
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'group', 'aria-labelledby': `${titleId} ${descId}`, class: narrow ? 'chart-svg narrow' : 'chart-svg', preserveAspectRatio: 'xMidYMid meet' });
  chart.append(svg('desc', { id: descId }, `${countDetail(totals)}.`));
  const pct = (value: number) => PAD.top + plotH - (value / 100) * plotH;
  for (let i = 0; i <= 4; i++) {
    const value = (max / 4) * i;
    chart.append(
      svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value), class: i === 0 ? 'axis' : 'grid' }),
      svg('text', { x: PAD.left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'tick', 'aria-hidden': 'true' }, formatNumber(value)),
      svg('text', { x: WIDTH - PAD.right + 6, y: pct(25 * i) + 4, 'text-anchor': 'start', class: 'tick tick-pct', 'aria-hidden': 'true' }, `${25 * i}%`),
    );
  }
  // Units of both axes: phones on the left (bars), the share hygienized on the right (line).
  chart.append(
    svg('text', { x: 12, y: PAD.top + plotH / 2, transform: `rotate(-90 12 ${PAD.top + plotH / 2})`, 'text-anchor': 'middle', class: 'axis-label', 'aria-hidden': 'true' }, t('chartUnitPhones')),
    svg('text', { x: WIDTH - 8, y: PAD.top + plotH / 2, transform: `rotate(90 ${WIDTH - 8} ${PAD.top + plotH / 2})`, 'text-anchor': 'middle', class: 'axis-label', 'aria-hidden': 'true' }, t('chartUnitPct')),
  );
  const tickEvery = Math.max(1, Math.ceil(days.length / dayLabels));
  const readout = h('p', { class: 'chart-readout small', 'aria-hidden': 'true' }, ' ');
  const linePoints: string[] = [];
  days.forEach((d, i) => {
    const x = PAD.left + i * slot + (slot - barW) / 2;
    const share = d.phonesTotal ? (d.hygienized / d.phonesTotal) * 100 : null;
    const label = t('chartBar', { day: shortDay(d.day), detail: countDetail({ hygienized: d.hygienized, invalidPhones: d.invalid, unconfirmedPhones: d.unconfirmed }), phones: formatNumber(d.phonesTotal) }) + (share === null ? '' : ` · ${formatNumber(Math.round(share * 10) / 10)}%`);
    const group = svg('g', d.mailings > 0 ? { tabindex: 0, role: 'img', 'aria-label': label, class: 'bar' } : { class: 'bar' }, svg('title', {}, label));
    // A full-height hit area, so a day with few numbers is still easy to point at.
    group.append(svg('rect', { x: PAD.left + i * slot, width: slot, y: PAD.top, height: plotH, class: 'bar-hit' }));
    if (d.invalid > 0) group.append(svg('rect', { x, width: barW, y: y(d.invalid), height: y(0) - y(d.invalid), class: 'bar-invalid' }));
    if (d.unconfirmed > 0) group.append(svg('rect', { x, width: barW, y: y(d.hygienized), height: y(d.invalid) - y(d.hygienized), class: 'bar-unconfirmed' }));
    if (d.mailings > 0) {
      const show = () => (readout.textContent = label);
      group.addEventListener('focus', show);
      group.addEventListener('mouseenter', show);
    }
    chart.append(group);
    if (share !== null) linePoints.push(`${x + barW / 2},${pct(share)}`);
    // Counted back from the last day, so it is always labelled and the labels are evenly spaced (none collide).
    if ((days.length - 1 - i) % tickEvery === 0) chart.append(svg('text', { x: x + barW / 2, y: HEIGHT - 8, 'text-anchor': 'middle', class: 'tick', 'aria-hidden': 'true' }, shortDay(d.day)));
  });
  if (linePoints.length > 0) {
    const line = svg('g', { class: 'pct-line', 'aria-hidden': 'true' });
    if (linePoints.length > 1) line.append(svg('polyline', { points: linePoints.join(' ') }));
    for (const point of linePoints) {
      const [cx, cy] = point.split(',');
      line.append(svg('circle', { cx: cx!, cy: cy!, r: 4 }));
    }
    chart.append(line);
  }

  const legend = h(
    'ul',
    { class: 'legend' },
    h('li', {}, h('span', { class: 'swatch swatch-invalid', 'aria-hidden': 'true' }), t('invalid')),
    h('li', {}, h('span', { class: 'swatch swatch-unconfirmed', 'aria-hidden': 'true' }), t('unconfirmed')),
    h('li', {}, h('span', { class: 'swatch swatch-pct', 'aria-hidden': 'true' }), t('chartPctLegend')),
    h('li', { class: 'muted' }, `${t('hygienized')} = ${t('invalid').toLowerCase()} + ${t('unconfirmed').toLowerCase()}`),
  );
  const rows = days.filter((d) => d.mailings > 0);
  const table = h(
    'details',
    { class: 'chart-data' },
    h('summary', {}, t('chartTable')),
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, ...[t('day'), t('mailings'), t('phones'), t('hygienized'), t('invalid'), t('unconfirmed'), t('share')].map((label) => h('th', { scope: 'col' }, label)))),
      h(
        'tbody',
        {},
        ...rows.map((d) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, shortDay(d.day)),
            ...[d.mailings, d.phonesTotal, d.hygienized, d.invalid, d.unconfirmed].map((n) => h('td', { class: 'num' }, formatNumber(n))),
            h('td', { class: 'num' }, d.phonesTotal ? `${formatNumber(Math.round((d.hygienized / d.phonesTotal) * 1000) / 10)}%` : '—'),
          ),
        ),
      ),
    ),
  );
  figure.append(chart, readout, legend, table);
  // Drawn again when the viewport crosses the phone width (a rotated phone, a resized window) while on screen.
  const redraw = () => {
    narrowQuery.removeEventListener('change', redraw);
    if (figure.isConnected) figure.replaceWith(statusMixChart(title, data, dayCount));
  };
  narrowQuery.addEventListener('change', redraw);
  return figure;
}
