import type { CampaignView, DailyStatusMix, MailingView } from '../../../../../plugin/contract/protocol';
import { api, SessionEnded } from '../api';
import { h, replaceChildren } from '../dom';
import { countDetail, formatDateTime, formatNumber, t } from '../i18n';
import { subscribe } from '../live';
import { announce, countWithDetail, loadError, loadingBlock, pageTitle } from '../ui';
import { statusMixChart } from './chart';
import { hygieneSwitch } from './hygieneSwitch';

type MailingRow = { element: HTMLTableRowElement; update(mailing: MailingView): void };

/** One mailing's row; updated in place so a focused or hovered count keeps its detail open while it changes. */
function mailingRow(initial: MailingView): MailingRow {
  const status = h('td', {});
  const received = h('td', { class: 'num' });
  const hygienized = countWithDetail('', '');
  const hygienizedCell = h('td', { class: 'num' }, hygienized.element);
  const kept = h('td', { class: 'num' });
  const dropped = h('td', { class: 'num' });
  const malformed = h('td', { class: 'num' });
  const element = h('tr', { 'data-mailing': initial.id }, h('th', { scope: 'row' }, initial.name), status, received, hygienizedCell, kept, dropped, malformed, h('td', {}, formatDateTime(initial.createdAt)));
  function update(mailing: MailingView): void {
    const c = mailing.counts;
    element.toggleAttribute('aria-busy', mailing.status === 'running');
    replaceChildren(status, h('span', { class: `status status-${mailing.status}` }, t(mailing.status)), mailing.hygieneApplied ? null : h('span', { class: 'tag', title: t('hygieneNotAppliedHint') }, t('hygieneNotApplied')));
    received.textContent = formatNumber(c.phonesTotal);
    hygienized.update(formatNumber(c.hygienized), countDetail(c));
    kept.textContent = formatNumber(c.keptRows);
    dropped.textContent = formatNumber(c.droppedRows);
    malformed.textContent = formatNumber(c.malformedPhones);
  }
  update(initial);
  return { element, update };
}

/** One campaign: its switch, its mailings with live counts, and its status mix chart. */
export function campaignView(root: HTMLElement, externalId: string): () => void {
  const back = h('a', { href: '#/campaigns', class: 'back' }, t('backToCampaigns'));
  const header = h('div', {}, loadingBlock());
  const mailingsSlot = h('div', {});
  const chartSlot = h('section', { class: 'card', 'aria-label': t('chartCampaign') });
  replaceChildren(root, back, header, h('section', { class: 'card', 'aria-labelledby': 'mailings-title' }, h('h2', { id: 'mailings-title' }, t('mailingsTitle')), h('p', { class: 'muted small' }, t('countHint')), mailingsSlot), chartSlot);

  let control: ReturnType<typeof hygieneSwitch> | undefined;
  const rows = new Map<string, MailingRow>();
  let tbody: HTMLElement | undefined;
  let chartTimer: number | undefined;

  function renderHeader(campaign: CampaignView): void {
    control = hygieneSwitch(campaign);
    replaceChildren(header, pageTitle(campaign.name), h('p', { class: 'muted' }, `${t('campaignId')}: ${campaign.externalId}`), h('div', { class: 'card' }, h('h2', { class: 'h3' }, t('hygieneSwitch')), control.element));
  }

  function renderMailings(mailings: MailingView[]): void {
    rows.clear();
    tbody = h('tbody', {});
    for (const mailing of mailings) {
      const row = mailingRow(mailing);
      rows.set(mailing.id, row);
      tbody.append(row.element);
    }
    const heads = [t('mailing'), t('status'), t('received'), t('hygienized'), t('kept'), t('dropped'), t('malformed'), t('created')];
    replaceChildren(
      mailingsSlot,
      h('p', { class: 'empty', hidden: mailings.length > 0 }, t('noMailings')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'mailings', hidden: mailings.length === 0 }, h('thead', {}, h('tr', {}, ...heads.map((label, i) => h('th', { scope: 'col', class: i >= 2 && i <= 6 ? 'num' : null }, label)))), tbody)),
    );
  }

  const renderChart = (days: DailyStatusMix[]) => replaceChildren(chartSlot, statusMixChart(t('chartCampaign'), days));

  async function load(first = false): Promise<void> {
    try {
      const [campaign, mailings, days] = await Promise.all([api.campaign(externalId), api.mailings(externalId), api.dailyStats(externalId)]);
      renderHeader(campaign);
      renderMailings(mailings);
      renderChart(days);
      if (first) (header.querySelector('h1') as HTMLElement | null)?.focus();
    } catch (error) {
      if (!(error instanceof SessionEnded)) replaceChildren(header, loadError(error, () => void load()));
    }
  }

  const unsubscribe = subscribe({
    campaign: (campaign) => control?.update(campaign),
    mailing(mailing) {
      if (mailing.campaignId !== externalId || !tbody) return;
      const existing = rows.get(mailing.id);
      if (existing) {
        existing.update(mailing);
      } else {
        const row = mailingRow(mailing);
        rows.set(mailing.id, row);
        tbody.prepend(row.element);
        mailingsSlot.querySelector('.empty')?.setAttribute('hidden', '');
        mailingsSlot.querySelector('table')?.removeAttribute('hidden');
        announce(t('liveMailingStarted', { name: mailing.name }));
      }
      if (mailing.status !== 'running') {
        announce(t('liveMailingDone', { name: mailing.name, detail: countDetail(mailing.counts) }));
        window.clearTimeout(chartTimer);
        chartTimer = window.setTimeout(() => void api.dailyStats(externalId).then(renderChart, () => undefined), 300);
      }
    },
    resync: () => void load(),
  });

  void load(true);
  return () => {
    unsubscribe();
    window.clearTimeout(chartTimer);
  };
}
