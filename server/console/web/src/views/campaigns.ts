import type { CampaignView, DailyStatusMix } from '../../../../../plugin/contract/protocol';
import { api, SessionEnded } from '../api';
import { h, replaceChildren } from '../dom';
import { t } from '../i18n';
import { subscribe } from '../live';
import { announce, loadError, loadingBlock, pageTitle } from '../ui';
import { statusMixChart } from './chart';
import { hygieneSwitch } from './hygieneSwitch';

export const campaignHref = (externalId: string) => `#/campaigns/${encodeURIComponent(externalId)}`;

/** The tenant's campaigns, each with its hygiene switch, and the tenant-wide status mix chart. */
export function campaignsView(root: HTMLElement): () => void {
  const title = pageTitle(t('campaignsTitle'));
  const body = h('div', {}, loadingBlock());
  const chartSlot = h('section', { class: 'card', 'aria-label': t('chartTenant') });
  replaceChildren(root, title, h('p', { class: 'intro' }, t('campaignsIntro')), body, chartSlot);

  const switches = new Map<string, ReturnType<typeof hygieneSwitch>>();
  const known = new Map<string, CampaignView>();
  let chartTimer: number | undefined;

  function renderTable(campaigns: CampaignView[]): void {
    switches.clear();
    if (campaigns.length === 0) {
      replaceChildren(body, h('p', { class: 'empty card' }, t('noCampaigns')));
      return;
    }
    const rows = campaigns.map((campaign) => {
      known.set(campaign.externalId, campaign);
      const control = hygieneSwitch(campaign);
      switches.set(campaign.externalId, control);
      return h(
        'tr',
        { 'data-campaign': campaign.externalId },
        h('th', { scope: 'row' }, h('span', { class: 'campaign-name' }, campaign.name), h('br'), h('span', { class: 'muted small' }, `${t('campaignId')}: ${campaign.externalId}`)),
        h('td', {}, control.element),
        h('td', {}, h('a', { href: campaignHref(campaign.externalId), class: 'btn secondary', 'aria-label': t('viewMailingsOf', { name: campaign.name }) }, t('viewMailings'))),
      );
    });
    replaceChildren(
      body,
      h(
        'div',
        { class: 'card table-wrap' },
        h('table', { class: 'campaigns' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('campaign')), h('th', { scope: 'col' }, t('hygieneSwitch')), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('mailingsTitle'))))), h('tbody', {}, ...rows)),
      ),
    );
  }

  function renderChart(days: DailyStatusMix[]): void {
    replaceChildren(chartSlot, statusMixChart(t('chartTenant'), days));
  }

  async function load(): Promise<void> {
    try {
      const [campaigns, days] = await Promise.all([api.campaigns(), api.dailyStats()]);
      renderTable(campaigns);
      renderChart(days);
    } catch (error) {
      if (!(error instanceof SessionEnded)) replaceChildren(body, loadError(error, () => void load()));
    }
  }

  const refreshChart = () => {
    window.clearTimeout(chartTimer);
    chartTimer = window.setTimeout(() => void api.dailyStats().then(renderChart, () => undefined), 300);
  };

  const unsubscribe = subscribe({
    campaign(campaign) {
      const before = known.get(campaign.externalId);
      known.set(campaign.externalId, campaign);
      const control = switches.get(campaign.externalId);
      if (control) control.update(campaign);
      else void load();
      if (before && before.hygieneEnabled !== campaign.hygieneEnabled) {
        announce(t('liveCampaign', { name: campaign.name, state: campaign.hygieneEnabled ? t('stateOn') : t('stateOff'), actor: campaign.hygieneChangedBy ?? '?' }));
      }
    },
    mailing(mailing) {
      if (mailing.status !== 'running') refreshChart();
    },
    resync: () => void load(),
  });

  void load();
  return () => {
    unsubscribe();
    window.clearTimeout(chartTimer);
  };
}
