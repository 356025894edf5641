import type { AuditEventView, CampaignView, DailyStatusMix, MailingSearchPage, MailingView } from '../../../../../plugin/contract/protocol';
import { api, SessionEnded } from '../api';
import { downloadCsv } from '../csv';
import { h, replaceChildren, uid } from '../dom';
import { countDetail, formatDateTime, formatNumber, lang, t, type MessageKey } from '../i18n';
import { subscribe } from '../live';
import { announce, countWithDetail, errorText, inlineMessage, loadError, loadingBlock, pageTitle, renderPager, allPages } from '../ui';
import { loadPeople } from '../people';
import { ptMore as ERROR_KEYS } from '../messages';
import { extraNotes, percent, type ExtraCounts } from './campaigns';
import { purposeControl } from './suppression';
import { statusMixChart } from './chart';
import { hygieneSwitch } from './hygieneSwitch';

/** A failure in words: by its code in Portuguese (a mailing's words, else the code's generic text), the server's own message in English. */
function failureText(code: string | undefined, message: string | null): string {
  if (lang() === 'en' && message) return message;
  const key = `err_${code ?? ''}` as MessageKey;
  if (code && key in ERROR_KEYS) return t(key);
  const generic = `errCode_${code ?? ''}` as MessageKey;
  return t(code && generic in ERROR_KEYS ? generic : 'errCode_OTHER');
}

/** A mailing's counts under the campaign list's names (suppressedPhones is `suppressed` there). */
const extrasOf = (c: MailingView['counts']): ExtraCounts => ({
  suppressed: c.suppressedPhones ?? 0,
  ninthDigitAdded: c.ninthDigitAdded ?? 0,
  rightPartyQualified: c.rightPartyQualified ?? 0,
  rightPartyNotQualified: c.rightPartyNotQualified ?? 0,
  rightPartyInactive: c.rightPartyInactive ?? 0,
});

type MailingRow = { element: HTMLTableRowElement; update(mailing: MailingView): void };
const PAGE_SIZE = 25;
/** The largest page the server answers (mailingListQuery), used to export every matching mailing. */

/** Phones, in every column: received = checked phones; hygienized = invalid + unconfirmed; the % is of received. */
const HEADS = ['mailing', 'status', 'colReceived', 'colHygienized', 'colInvalid', 'colUnconfirmed', 'colPct', 'colMalformed', 'created'] as const;

/**
 * One mailing's row; updated in place so a focused or hovered count keeps its detail open while it changes. The
 * split (invalid, unconfirmed, %) is in its own columns, so it is read without hovering, on a phone too. A mailing
 * sent with hygiene off says so instead of zeros.
 */
function mailingRow(initial: MailingView, reasonOf: (id: string) => string | undefined): MailingRow {
  const status = h('td', { 'data-label': t('status') });
  const hygienized = countWithDetail('', '');
  const cells = {
    received: h('td', { class: 'num', 'data-label': t('colReceived') }),
    hygienized: h('td', { class: 'num', 'data-label': t('colHygienized') }, hygienized.element),
    invalid: h('td', { class: 'num', 'data-label': t('colInvalid') }),
    unconfirmed: h('td', { class: 'num', 'data-label': t('colUnconfirmed') }),
    pct: h('td', { class: 'num', 'data-label': t('colPct') }),
  };
  const off = h('td', { colspan: 5, class: 'hygiene-off', 'data-label': t('colHygienized') }, t('hygieneOffExplained'));
  const malformed = h('td', { class: 'num', 'data-label': t('colMalformed') });
  const extras = h('span', { class: 'muted small block' });
  const element = h('tr', { 'data-mailing': initial.id }, h('th', { scope: 'row' }, initial.name, extras), status);
  if (initial.hygieneApplied) element.append(cells.received, cells.hygienized, cells.invalid, cells.unconfirmed, cells.pct);
  else element.append(off);
  element.append(malformed, h('td', { 'data-label': t('created') }, formatDateTime(initial.createdAt)));
  function update(mailing: MailingView): void {
    const c = mailing.counts;
    element.toggleAttribute('aria-busy', mailing.status === 'running');
    const reason = mailing.status === 'failed' ? reasonOf(mailing.id) : undefined;
    replaceChildren(status, h('span', { class: `status status-${mailing.status}` }, reason ? t('failedBecause', { reason }) : t(mailing.status)));
    cells.received.textContent = formatNumber(c.phonesTotal);
    hygienized.update(formatNumber(c.hygienized), countDetail(c));
    cells.invalid.textContent = formatNumber(c.invalidPhones);
    cells.unconfirmed.textContent = formatNumber(c.unconfirmedPhones);
    cells.pct.textContent = percent(c.hygienized, c.phonesTotal) ?? '—';
    malformed.textContent = formatNumber(c.malformedPhones);
    extras.textContent = extraNotes(extrasOf(c)).join(' · ');
  }
  update(initial);
  return { element, update };
}

/** One campaign: its switch, what its dialers reported, its mailings (search, status, pages, totals, CSV), its chart. */
export function campaignView(root: HTMLElement, externalId: string): () => void {
  const back = h('a', { href: '#/campaigns', class: 'back' }, t('backToCampaigns'));
  const header = h('div', {}, loadingBlock());
  const searchId = uid('search');
  const statusId = uid('status');
  const search = h('input', { id: searchId, type: 'search', autocomplete: 'off' });
  const periodId = uid('period');
  const period = h('select', { id: periodId }, ...(['30', '7', '90', '365'] as const).map((days) => h('option', { value: days }, t('periodDays', { days: Number(days) }))));
  const statusFilter = h('select', { id: statusId }, h('option', { value: '' }, t('all')), ...(['running', 'completed', 'failed'] as const).map((s) => h('option', { value: s }, t(s))));
  const sortId = uid('sort');
  const orderId = uid('order');
  const sort = h('select', { id: sortId }, ...(['createdAt', 'phonesTotal', 'hygienizedPct'] as const).map((key) => h('option', { value: key }, t(`sort_${key}`))));
  const order = h('select', { id: orderId }, h('option', { value: 'desc' }, t('sortDesc')), h('option', { value: 'asc' }, t('sortAsc')));
  const shown = h('p', { class: 'muted small', role: 'status' });
  const exportButton = h('button', { type: 'button', class: 'btn secondary', onclick: () => void exportCsv() }, t('exportCsv'));
  const exportMessage = inlineMessage();
  const mailingsSlot = h('div', {});
  const pager = h('nav', { class: 'pager', 'aria-label': t('pageOf', { page: 1, pages: 1 }) });
  const chartSlot = h('section', { class: 'card', 'aria-label': t('chartCampaign') });
  const refusedSlot = h('div', {});
  replaceChildren(
    root,
    back,
    header,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'mailings-title' },
      h('h2', { id: 'mailings-title' }, t('mailingsTitle')),
      h(
        'div',
        { class: 'form-row filters', role: 'search' },
        h('div', { class: 'field grow' }, h('label', { for: searchId }, t('searchMailings')), search),
        h('div', { class: 'field' }, h('label', { for: periodId }, t('filterPeriod')), period),
        h('div', { class: 'field' }, h('label', { for: statusId }, t('statusFilter')), statusFilter),
        h('div', { class: 'field' }, h('label', { for: sortId }, t('sortBy')), sort),
        h('div', { class: 'field' }, h('label', { for: orderId }, t('sortOrder')), order),
      ),
      h('div', { class: 'list-head' }, shown, exportButton),
      exportMessage.element,
      mailingsSlot,
      pager,
    ),
    refusedSlot,
    chartSlot,
  );

  let control: ReturnType<typeof hygieneSwitch> | undefined;
  /** The page the server answered: searched, filtered, sorted and cut there (a campaign may have thousands). */
  let current: MailingSearchPage | null = null;
  let loadSeq = 0;
  let searchTimer: number | undefined;
  let refreshTimer: number | undefined;
  const rows = new Map<string, MailingRow>();
  /**
   * Mailings being filtered, as announced live: the server writes a mailing's row only with its first progress save
   * (services/mailings.ts), so a page asked for at its start does not list it yet. Shown on the first page until
   * they end (their last event comes after the row is written).
   */
  const announced = new Map<string, MailingView>();
  /** Why each failed mailing failed, from the audit log (`mailing.failed`, target `mailing:<id>`). */
  const reasons = new Map<string, string>();
  let page = 0;
  let chartTimer: number | undefined;

  function renderHeader(campaign: CampaignView): void {
    control = hygieneSwitch(campaign);
    const reported = campaign.reported;
    replaceChildren(
      header,
      pageTitle(campaign.name),
      h('p', { class: 'muted' }, `${t('campaignId')}: ${campaign.externalId}`),
      h(
        'div',
        { class: 'card split' },
        h('div', {}, h('h2', { class: 'h3' }, t('hygieneSwitch')), control.element),
        purposeControl(campaign).element,
        h(
          'div',
          {},
          h('h2', { class: 'h3' }, t('reportedTitle')),
          h('p', { class: 'reported' }, t('reportedDetail', { invalid: reported.invalid, contact: reported.contact, neutral: reported.neutral })),
        ),
      ),
    );
  }

  /** Totals of every mailing that matches (not just this page), from the server; phones of hygiene-on mailings only. */
  function totalsRow(page: MailingSearchPage): HTMLElement {
    const c = page.totals;
    const notes = extraNotes(extrasOf(c));
    return h(
      'tr',
      { class: 'totals' },
      h('th', { scope: 'row' }, t('totalsRow'), notes.length ? h('span', { class: 'muted small block' }, notes.join(' · ')) : null),
      h('td', { 'data-label': t('status') }, c.unhygienized > 0 ? t('unhygienizedMailings', { count: c.unhygienized }) : ''),
      ...[c.phonesTotal, c.hygienized, c.invalidPhones, c.unconfirmedPhones].map((n, i) => h('td', { class: 'num', 'data-label': t(HEADS[i + 2]!) }, formatNumber(n))),
      h('td', { class: 'num', 'data-label': t('colPct') }, percent(c.hygienized, c.phonesTotal) ?? '—'),
      h('td', { class: 'num', 'data-label': t('colMalformed') }, formatNumber(c.malformedPhones)),
      h('td', {}),
    );
  }

  /** The server's page, with the announced mailings it does not list yet on top of the first page. */
  function shownMailings(page0: MailingSearchPage): MailingView[] {
    if (page > 0 || announced.size === 0) return page0.mailings;
    const listed = new Set(page0.mailings.map((m) => m.id));
    const query = search.value.trim().toLowerCase();
    const extra = [...announced.values()].filter(
      (m) => !listed.has(m.id) && (!query || m.name.toLowerCase().includes(query)) && (!statusFilter.value || statusFilter.value === 'running'),
    );
    return extra.length === 0 ? page0.mailings : [...extra, ...page0.mailings].slice(0, PAGE_SIZE);
  }

  function renderMailings(): void {
    if (!current) return;
    const list = shownMailings(current);
    const pages = Math.max(1, Math.ceil(current.total / PAGE_SIZE));
    const shownIds = new Set(list.map((m) => m.id));
    for (const id of rows.keys()) if (!shownIds.has(id)) rows.delete(id);
    for (const mailing of list) {
      const existing = rows.get(mailing.id);
      if (existing) existing.update(mailing);
      else rows.set(mailing.id, mailingRow(mailing, (id) => reasons.get(id)));
    }
    const listed = new Set(current.mailings.map((m) => m.id));
    const unlisted = list.filter((m) => !listed.has(m.id)).length;
    shown.textContent = t('mailingsShown', { count: current.total + unlisted, total: current.campaignMailings + unlisted });
    exportButton.disabled = list.length === 0;
    const anyMailing = current.campaignMailings + unlisted > 0;
    replaceChildren(
      mailingsSlot,
      h('p', { class: 'empty', hidden: anyMailing }, t('noMailings')),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'mailings stack', hidden: !anyMailing },
          h('thead', {}, h('tr', {}, ...HEADS.map((key, i) => h('th', { scope: 'col', class: i >= 2 && i <= 7 ? 'num' : null }, t(key))))),
          h('tbody', {}, ...list.map((m) => rows.get(m.id)!.element)),
          h('tfoot', {}, totalsRow(current)),
        ),
      ),
    );
    renderPager(pager, page, pages, showPage);
  }

  /** The page of the filters on screen, from the server; a slower earlier answer never overwrites a newer one. */
  async function fetchPage(): Promise<MailingSearchPage | null> {
    const seq = ++loadSeq;
    const answer = await api.mailingPage(externalId, {
      q: search.value.trim(),
      status: statusFilter.value,
      days: Number(period.value),
      sort: sort.value,
      order: order.value,
      limit: PAGE_SIZE,
      offset: page * PAGE_SIZE,
    });
    return seq === loadSeq ? answer : null;
  }

  async function loadPage(): Promise<void> {
    try {
      const answer = await fetchPage();
      if (!answer) return;
      // Fewer mailings than before (a filter, another tab): the last page that has some.
      if (answer.mailings.length === 0 && page > 0 && answer.total > 0) return showPage(Math.ceil(answer.total / PAGE_SIZE) - 1);
      current = answer;
      renderMailings();
    } catch (error) {
      if (!(error instanceof SessionEnded)) replaceChildren(mailingsSlot, loadError(error, () => void loadPage()));
    }
  }

  /** Failure reasons for the rows, and the mailings refused before they had a record, in this campaign. */
  function renderTraces(events: AuditEventView[]): void {
    reasons.clear();
    const refused: AuditEventView[] = [];
    for (const event of events) {
      const details = (event.details ?? {}) as { code?: string; campaign?: string; name?: string | null };
      if (details.campaign !== externalId) continue;
      const reason = failureText(details.code, event.reason);
      if (event.action === 'mailing.failed' && event.target?.startsWith('mailing:')) reasons.set(event.target.slice('mailing:'.length), reason);
      else if (event.action === 'mailing.refused') refused.push(event);
    }
    if (refused.length === 0) {
      replaceChildren(refusedSlot);
      return;
    }
    const heads = [t('refusedWhen'), t('refusedName'), t('refusedReason'), t('refusedCount')];
    replaceChildren(
      refusedSlot,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'refused-title' },
        h('h2', { id: 'refused-title' }, t('refusedTitle')),
        h('p', { class: 'muted small' }, t('refusedIntro')),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'refused stack' },
            h('thead', {}, h('tr', {}, ...heads.map((label) => h('th', { scope: 'col' }, label)))),
            h(
              'tbody',
              {},
              ...refused.map((event) => {
                // Repeated refusals share one row per code and minute (server/services/audit.ts), with their count.
                const details = (event.details ?? {}) as { code?: string; name?: string | null; count?: number; lastAt?: string };
                const count = Math.max(1, Number(details.count ?? 1));
                return h(
                  'tr',
                  {},
                  h('td', { 'data-label': t('refusedWhen') }, formatDateTime(event.at)),
                  h('td', { 'data-label': t('refusedName') }, details.name || t('unnamedMailing')),
                  h('td', { 'data-label': t('refusedReason') }, failureText(details.code, event.reason)),
                  h('td', { class: 'num', 'data-label': t('refusedCount') }, formatNumber(count), count > 1 && details.lastAt ? h('span', { class: 'muted small block' }, `${formatDateTime(event.at)} – ${formatDateTime(details.lastAt)}`) : null),
                );
              }),
            ),
          ),
        ),
      ),
    );
  }

  function showPage(next: number): void {
    page = Math.max(0, next);
    void loadPage();
  }

  /** Every mailing that matches the filters on screen (all pages, read from the server), not just the page shown. */
  async function exportCsv(): Promise<void> {
    exportMessage.clear();
    exportButton.disabled = true;
    const filters = { q: search.value.trim(), status: statusFilter.value, days: Number(period.value), sort: sort.value, order: order.value };
    let all: MailingView[];
    try {
      all = await allPages(async (offset, limit) => {
        const answer = await api.mailingPage(externalId, { ...filters, limit, offset });
        return { items: answer.mailings, total: answer.total };
      });
    } catch (error) {
      if (!(error instanceof SessionEnded)) exportMessage.error(errorText(error));
      return;
    } finally {
      exportButton.disabled = false;
    }
    const head = HEADS.map((key) => t(key));
    const lines = all.map((m) => [
      m.name,
      t(m.status),
      ...(m.hygieneApplied ? [m.counts.phonesTotal, m.counts.hygienized, m.counts.invalidPhones, m.counts.unconfirmedPhones, percent(m.counts.hygienized, m.counts.phonesTotal) ?? ''] : [t('hygieneOffExplained'), '', '', '', '']),
      m.counts.malformedPhones,
      m.createdAt,
    ]);
    downloadCsv(`mailings_${externalId}.csv`, [head, ...lines]);
  }

  const renderChart = (days: DailyStatusMix[]) => replaceChildren(chartSlot, statusMixChart(`${t('chartCampaign')} ${t('chartPeriod', { days: Number(period.value) })}`, days, Number(period.value)));

  async function load(first = false): Promise<void> {
    try {
      const [campaign, mailings, days, traces] = await Promise.all([
        api.campaign(externalId),
        fetchPage(),
        api.dailyStats(externalId, Number(period.value)),
        api.audit(undefined, { action: 'mailing.', limit: 200 }).catch(() => null),
        loadPeople(),
      ]);
      renderHeader(campaign);
      renderTraces(traces?.events ?? []);
      if (mailings) {
        current = mailings;
        rows.clear();
        renderMailings();
      }
      renderChart(days);
      if (first) (header.querySelector('h1') as HTMLElement | null)?.focus();
    } catch (error) {
      if (!(error instanceof SessionEnded)) replaceChildren(header, loadError(error, () => void load()));
    }
  }

  search.addEventListener('input', () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => showPage(0), 250);
  });
  for (const control of [statusFilter, sort, order]) control.addEventListener('change', () => showPage(0));
  period.addEventListener('change', () => {
    showPage(0);
    void api.dailyStats(externalId, Number(period.value)).then(renderChart, () => undefined);
  });

  const unsubscribe = subscribe({
    campaign: (campaign) => control?.update(campaign),
    mailing(mailing) {
      if (mailing.campaignId !== externalId) return;
      if (mailing.status === 'running') announced.set(mailing.id, mailing);
      else announced.delete(mailing.id);
      const existing = rows.get(mailing.id);
      if (!existing && mailing.status === 'running') announce(t('liveMailingStarted', { name: mailing.name }));
      // A shown row changes in place (an open detail stays open); the page and its totals are asked again, shortly.
      existing?.update(mailing);
      window.clearTimeout(refreshTimer);
      refreshTimer = window.setTimeout(() => void (existing ? renderTotalsOnly() : loadPage()), 300);
      if (mailing.status !== 'running') {
        announce(t('liveMailingDone', { name: mailing.name, detail: countDetail(mailing.counts) }));
        window.clearTimeout(chartTimer);
        chartTimer = window.setTimeout(() => void api.dailyStats(externalId, Number(period.value)).then(renderChart, () => undefined), 300);
      }
    },
    resync: () => void load(),
  });

  /** Totals follow a live row without redrawing the rows (which would close an open count detail). */
  async function renderTotalsOnly(): Promise<void> {
    const answer = await fetchPage().catch(() => null);
    if (!answer) return;
    const tfoot = mailingsSlot.querySelector('tfoot');
    const sameRows = current !== null && shownMailings(answer).map((m) => m.id).join() === shownMailings(current).map((m) => m.id).join();
    current = answer;
    // Other rows (a filter changed meanwhile, a mailing moved in or out): the page is drawn again.
    if (!tfoot || !sameRows) {
      renderMailings();
      return;
    }
    replaceChildren(tfoot, totalsRow(answer));
    shown.textContent = t('mailingsShown', { count: answer.total, total: answer.campaignMailings });
  }

  void load(true);
  return () => {
    unsubscribe();
    window.clearTimeout(chartTimer);
    window.clearTimeout(searchTimer);
    window.clearTimeout(refreshTimer);
  };
}
