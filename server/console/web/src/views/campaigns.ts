import type { CampaignSummary, CampaignSummaryPage, CampaignView, DailyStatusMix } from '../../../../../plugin/contract/protocol';
import { brazilianDate } from '../../../../../plugin/contract/protocol';
import { api, SessionEnded } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { formatNumber, t, type MessageKey } from '../i18n';
import { subscribe } from '../live';
import { announce, errorText, inlineMessage, loadError, loadingBlock, pageTitle, allPages } from '../ui';
import { downloadCsv } from '../csv';
import { actorName, loadPeople } from '../people';
import { statusMixChart } from './chart';
import { hygieneSwitch } from './hygieneSwitch';

export const campaignHref = (externalId: string) => `#/campaigns/${encodeURIComponent(externalId)}`;

const PAGE_SIZE = 25;
/** The largest page the server answers (campaign summary's limit), used to export every matching campaign. */
const SORTS = ['hygienizedPct', 'hygienized', 'invalid', 'unconfirmed', 'phonesTotal', 'mailings', 'lastMailingAt', 'name'] as const;
const DAY_MS = 86_400_000;

/** "12,3%" of the phones checked, or null when no phone of the row went through the hygiene. */
export function percent(part: number, whole: number): string | null {
  return whole > 0 ? `${formatNumber(Math.round((part / whole) * 1000) / 10)}%` : null;
}

/** What other features did, summed like the hygiene's counts; a mailing's MailingCounts map onto it. */
export type ExtraCounts = Pick<CampaignSummary, 'suppressed' | 'ninthDigitAdded' | 'rightPartyQualified' | 'rightPartyNotQualified' | 'rightPartyInactive'>;

/**
 * Suppressed (compliance, apart from hygienized), ninth digit added and the right-party split, each said only when
 * it happened: most tenants use none of them, and a column of zeros would push the hygiene's numbers off a phone.
 */
export function extraNotes(c: ExtraCounts): string[] {
  const notes: string[] = [];
  if (c.suppressed) notes.push(t('extraSuppressed', { count: c.suppressed }));
  if (c.ninthDigitAdded) notes.push(t('extraNinthDigit', { count: c.ninthDigitAdded }));
  if (c.rightPartyQualified || c.rightPartyNotQualified || c.rightPartyInactive) {
    notes.push(t('extraRightParty', { qualified: c.rightPartyQualified, notQualified: c.rightPartyNotQualified, inactive: c.rightPartyInactive }));
  }
  return notes;
}

const extraSpans = (c: ExtraCounts) => extraNotes(c).map((note) => h('span', { class: 'note' }, note));

/** The totals columns, in phones so they add up: received ⊇ checked; hygienized = invalid + unconfirmed. */
const COLUMNS: { key: MessageKey; value: (row: Pick<CampaignSummary, 'mailings' | 'phonesTotal' | 'hygienized' | 'invalid' | 'unconfirmed' | 'phonesChecked'>) => string }[] = [
  { key: 'colMailings', value: (r) => formatNumber(r.mailings) },
  { key: 'colReceived', value: (r) => formatNumber(r.phonesTotal) },
  { key: 'colHygienized', value: (r) => formatNumber(r.hygienized) },
  { key: 'colInvalid', value: (r) => formatNumber(r.invalid) },
  { key: 'colUnconfirmed', value: (r) => formatNumber(r.unconfirmed) },
  { key: 'colPct', value: (r) => percent(r.hygienized, r.phonesChecked) ?? (r.phonesTotal > 0 ? t('notChecked') : '—') },
];

/**
 * The campaigns, worst first: each with its hygiene switch and its mailing totals over a period (phones received,
 * hygienized, invalid, unconfirmed, %), searched, filtered, sorted and paginated by the server; a totals row for
 * every campaign that matches; CSV of what is on screen; and the tenant-wide status mix chart.
 */
export function campaignsView(root: HTMLElement): () => void {
  const ids = { period: uid('period'), from: uid('from'), to: uid('to'), q: uid('q'), hygiene: uid('hyg'), sort: uid('sort'), order: uid('order') };
  const period = h('select', { id: ids.period }, ...(['7', '30', '90', 'custom'] as const).map((p) => h('option', { value: p }, t(p === 'custom' ? 'periodCustom' : (`period${p}` as const)))));
  const today = brazilianDate(Date.now());
  const fromInput = h('input', { id: ids.from, type: 'date', value: brazilianDate(Date.now() - 6 * DAY_MS), max: today });
  const toInput = h('input', { id: ids.to, type: 'date', value: today, max: today });
  const customFields = h('div', { class: 'form-row', hidden: true }, h('div', { class: 'field' }, h('label', { for: ids.from }, t('dateFrom')), fromInput), h('div', { class: 'field' }, h('label', { for: ids.to }, t('dateTo')), toInput));
  const search = h('input', { id: ids.q, type: 'search', autocomplete: 'off' });
  const hygieneFilter = h('select', { id: ids.hygiene }, h('option', { value: '' }, t('all')), h('option', { value: 'on' }, t('hygieneFilterOn')), h('option', { value: 'off' }, t('hygieneFilterOff')));
  const sort = h('select', { id: ids.sort }, ...SORTS.map((key) => h('option', { value: key }, t(`sort_${key}` as const))));
  const order = h('select', { id: ids.order }, h('option', { value: 'desc' }, t('sortDesc')), h('option', { value: 'asc' }, t('sortAsc')));
  const field = (id: string, label: string, control: HTMLElement, grow = false) => h('div', { class: grow ? 'field grow' : 'field' }, h('label', { for: id }, label), control);
  const status = h('p', { class: 'muted small', role: 'status' });
  const exportButton = h('button', { type: 'button', class: 'btn secondary', disabled: true, onclick: () => void exportCsv() }, t('exportCsv'));
  const exportMessage = inlineMessage();
  const body = h('div', {}, loadingBlock());
  const pager = h('nav', { class: 'pager', 'aria-label': t('pageOf', { page: 1, pages: 1 }) });
  const chartSlot = h('section', { class: 'card', 'aria-label': t('chartTenant') });
  const codesSlot = h('section', { class: 'card', 'aria-labelledby': 'codes-title' });
  replaceChildren(
    root,
    pageTitle(t('campaignsTitle')),
    h('p', { class: 'intro' }, t('campaignsIntro')),
    h(
      'section',
      { class: 'card', 'aria-label': t('campaignsTitle') },
      h('div', { class: 'form-row filters', role: 'search' }, field(ids.q, t('searchCampaigns'), search, true), field(ids.period, t('filterPeriod'), period), field(ids.hygiene, t('hygieneFilter'), hygieneFilter), field(ids.sort, t('sortBy'), sort), field(ids.order, t('sortOrder'), order)),
      customFields,
      h('div', { class: 'list-head' }, status, exportButton),
      exportMessage.element,
      h('p', { class: 'muted small', id: 'worst-hint' }, t('worstHint')),
      body,
      pager,
    ),
    chartSlot,
    codesSlot,
  );

  const switches = new Map<string, ReturnType<typeof hygieneSwitch>>();
  const known = new Map<string, CampaignView>();
  let offset = 0;
  let current: CampaignSummaryPage | null = null;
  let chartTimer: number | undefined;
  let searchTimer: number | undefined;
  let loadSeq = 0;

  function range(): { from: string; to: string } {
    if (period.value === 'custom') return { from: fromInput.value || today, to: toInput.value || today };
    const days = Number(period.value);
    return { from: brazilianDate(Date.now() - (days - 1) * DAY_MS), to: today };
  }

  function row(summary: CampaignSummary): HTMLElement {
    const { campaign } = summary;
    known.set(campaign.externalId, campaign);
    const control = hygieneSwitch(campaign);
    switches.set(campaign.externalId, control);
    const notes = [
      summary.mailingsUnhygienized > 0 ? h('span', { class: 'note warn' }, t('unhygienizedMailings', { count: summary.mailingsUnhygienized })) : null,
      summary.failedMailings > 0 ? h('span', { class: 'note error' }, t('failedMailings', { count: summary.failedMailings })) : null,
      ...extraSpans(summary),
    ];
    return h(
      'tr',
      { 'data-campaign': campaign.externalId },
      h('th', { scope: 'row' }, h('a', { href: campaignHref(campaign.externalId), class: 'campaign-name', 'aria-label': t('viewMailingsOf', { name: campaign.name }) }, campaign.name), h('br'), h('span', { class: 'muted small' }, `${t('campaignId')}: ${campaign.externalId}`), ...notes),
      h('td', { 'data-label': t('hygieneSwitch') }, control.element),
      ...COLUMNS.map((column) => h('td', { class: 'num', 'data-label': t(column.key), 'data-col': column.key }, column.value(summary))),
    );
  }

  function render(page: CampaignSummaryPage): void {
    current = page;
    switches.clear();
    exportButton.disabled = page.campaigns.length === 0;
    status.textContent = page.total === 0 ? '' : t('campaignsShown', { from: offset + 1, to: offset + page.campaigns.length, total: page.total });
    if (page.total === 0) {
      const filtered = Boolean(search.value || hygieneFilter.value);
      replaceChildren(body, h('p', { class: 'empty' }, filtered ? t('noMatch') : t('noCampaigns')));
      if (!filtered) void firstRun();
      replaceChildren(pager);
      return;
    }
    const heads = [h('th', { scope: 'col' }, t('campaign')), h('th', { scope: 'col' }, t('hygieneSwitch')), ...COLUMNS.map((c) => h('th', { scope: 'col', class: 'num' }, t(c.key)))];
    const totals = page.totals;
    replaceChildren(
      body,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'campaigns stack' },
          h('thead', {}, h('tr', {}, ...heads)),
          h('tbody', {}, ...page.campaigns.map(row)),
          h('tfoot', {}, h('tr', { class: 'totals' }, h('th', { scope: 'row' }, t('totalsRow'), ...extraSpans(totals)), h('td', { 'data-label': '' }), ...COLUMNS.map((c) => h('td', { class: 'num', 'data-label': t(c.key), 'data-col': c.key }, c.value(totals))))),
        ),
      ),
    );
    const pages = Math.max(1, Math.ceil(page.total / PAGE_SIZE));
    const pageNumber = Math.floor(offset / PAGE_SIZE) + 1;
    pager.setAttribute('aria-label', t('pageOf', { page: pageNumber, pages }));
    replaceChildren(
      pager,
      h('button', { type: 'button', class: 'btn secondary small', disabled: offset === 0, onclick: () => goTo(offset - PAGE_SIZE) }, t('pagePrev')),
      h('span', { class: 'muted small' }, t('pageOf', { page: pageNumber, pages })),
      h('button', { type: 'button', class: 'btn secondary small', disabled: offset + PAGE_SIZE >= page.total, onclick: () => goTo(offset + PAGE_SIZE) }, t('pageNext')),
    );
  }

  /** A tenant without campaigns: the steps to get there, each marked done when the server says so. */
  async function firstRun(): Promise<void> {
    const keys = await api.keys().catch(() => []);
    const active = keys.filter((key) => !key.revokedAt);
    const step = (done: boolean, ...content: (Node | string)[]) => h('li', {}, ...content, done ? h('span', { class: 'done' }, ` ${t('firstRunDone')}`) : null);
    body.append(
      h(
        'section',
        { class: 'first-run', 'aria-labelledby': 'first-run-title' },
        h('h2', { id: 'first-run-title' }, t('firstRunTitle')),
        h(
          'ol',
          { class: 'steps' },
          step(active.length > 0, h('a', { href: '#/keys' }, t('firstRunKey'))),
          step(active.some((key) => key.lastUsedAt), t('firstRunConnect')),
          step(false, t('firstRunHygiene')),
        ),
      ),
    );
  }

  function goTo(nextOffset: number): void {
    offset = Math.max(0, nextOffset);
    void load();
  }

  /** Every campaign that matches the filters on screen (all pages, read from the server), with the totals row. */
  async function exportCsv(): Promise<void> {
    if (!current) return;
    exportMessage.clear();
    exportButton.disabled = true;
    const { from, to } = range();
    const filters = { from, to, q: search.value.trim(), hygiene: hygieneFilter.value, sort: sort.value, order: order.value };
    let all: CampaignSummaryPage['campaigns'];
    try {
      all = await allPages(async (offset, limit) => {
        const answer = await api.campaignSummary({ ...filters, limit, offset });
        return { items: answer.campaigns, total: answer.total };
      });
    } catch (error) {
      if (!(error instanceof SessionEnded)) exportMessage.error(errorText(error));
      return;
    } finally {
      exportButton.disabled = false;
    }
    const head = [t('campaign'), t('campaignId'), t('hygieneSwitch'), ...COLUMNS.map((c) => t(c.key))];
    const lines = all.map((s) => [s.campaign.name, s.campaign.externalId, s.campaign.hygieneEnabled ? t('on') : t('off'), ...COLUMNS.map((c) => c.value(s))]);
    lines.push([t('totalsRow'), '', '', ...COLUMNS.map((c) => c.value(current!.totals))]);
    downloadCsv(`campanhas_${current.from}_${current.to}.csv`, [head, ...lines]);
  }

  async function load(): Promise<void> {
    const seq = ++loadSeq;
    const { from, to } = range();
    try {
      const [page] = await Promise.all([api.campaignSummary({ from, to, q: search.value.trim(), hygiene: hygieneFilter.value, sort: sort.value, order: order.value, limit: PAGE_SIZE, offset }), loadPeople()]);
      if (seq === loadSeq) render(page);
    } catch (error) {
      if (!(error instanceof SessionEnded) && seq === loadSeq) replaceChildren(body, loadError(error, () => void load()));
    }
  }

  const reset = () => {
    offset = 0;
    void load();
  };
  const periodChanged = () => {
    reset();
    refreshChart();
  };
  period.addEventListener('change', () => {
    customFields.hidden = period.value !== 'custom';
    periodChanged();
  });
  for (const control of [fromInput, toInput]) control.addEventListener('change', periodChanged);
  for (const control of [hygieneFilter, sort, order]) control.addEventListener('change', reset);
  search.addEventListener('input', () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(reset, 250);
  });

  /** The chart covers the chosen period, up to today (the daily stats look back from now). */
  const chartDays = () => Math.min(366, Math.max(1, Math.round((Date.parse(today) - Date.parse(range().from)) / DAY_MS) + 1));
  const renderChart = (days: DailyStatusMix[]) => replaceChildren(chartSlot, statusMixChart(`${t('chartTenant')} ${t('chartPeriod', { days: chartDays() })}`, days, chartDays()));
  const loadChart = () => {
    void api.dailyStats(undefined, chartDays()).then(renderChart, () => undefined);
    void loadCodes();
  };

  /** The period's tabulations per code (up to 90 days: what the server keeps counts for), with their outcome. */
  async function loadCodes(): Promise<void> {
    const days = Math.min(90, chartDays());
    try {
      const [usage, map] = await Promise.all([api.tabulationUsage(days), api.tabulations()]);
      const outcomes = new Map(map.map((entry) => [entry.code, entry]));
      const total = usage.usage.reduce((sum, entry) => sum + entry.calls, 0);
      const rows = usage.usage.map((entry) => {
        const known = outcomes.get(entry.code);
        return [known?.label ?? entry.code, known ? t(`outcome_${known.outcome}` as const) : '—', formatNumber(entry.calls), percent(entry.calls, total) ?? '—'];
      });
      const heads = [t('code'), t('outcome'), t('codesCalls'), t('codesShare')];
      replaceChildren(
        codesSlot,
        h('div', { class: 'list-head' }, h('h2', { id: 'codes-title' }, `${t('codesTitle')} ${t('chartPeriod', { days })}`), rows.length ? h('button', { type: 'button', class: 'btn secondary', onclick: () => downloadCsv(`tabulacoes_${usage.since}_${days}d.csv`, [heads, ...rows]) }, t('exportCsv')) : null),
        rows.length === 0
          ? h('p', { class: 'empty' }, t('codesEmpty'))
          : h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'codes stack' },
                h('thead', {}, h('tr', {}, ...heads.map((label, i) => h('th', { scope: 'col', class: i >= 2 ? 'num' : null }, label)))),
                h('tbody', {}, ...rows.map(([code, outcome, calls, share]) => h('tr', {}, h('th', { scope: 'row' }, h('code', {}, code!)), h('td', { 'data-label': heads[1]! }, outcome!), h('td', { class: 'num', 'data-label': heads[2]! }, calls!), h('td', { class: 'num', 'data-label': heads[3]! }, share!)))),
              ),
            ),
      );
    } catch (error) {
      if (!(error instanceof SessionEnded)) replaceChildren(codesSlot, loadError(error, () => void loadCodes()));
    }
  }
  const refreshChart = () => {
    window.clearTimeout(chartTimer);
    chartTimer = window.setTimeout(loadChart, 300);
  };

  const unsubscribe = subscribe({
    campaign(campaign) {
      const before = known.get(campaign.externalId);
      known.set(campaign.externalId, campaign);
      const control = switches.get(campaign.externalId);
      if (control) control.update(campaign);
      else void load();
      if (before && before.hygieneEnabled !== campaign.hygieneEnabled) {
        announce(t('liveCampaign', { name: campaign.name, state: campaign.hygieneEnabled ? t('stateOn') : t('stateOff'), actor: actorName(campaign.hygieneChangedBy ?? '?') }));
      }
    },
    mailing(mailing) {
      if (mailing.status !== 'running') {
        refreshChart();
        void load();
      }
    },
    resync: () => {
      void load();
      refreshChart();
    },
  });

  period.value = '7';
  void load();
  loadChart();
  return () => {
    unsubscribe();
    window.clearTimeout(chartTimer);
    window.clearTimeout(searchTimer);
  };
}
