import type { ComplianceAlertEvent, ComplianceCnpjMeter, ComplianceCounts, ComplianceMeterView, ComplianceStatusName } from '../../../../../plugin/contract/protocol';
import { api, SessionEnded } from '../api';
import { h, replaceChildren } from '../dom';
import { formatDateTime, formatNumber, lang } from '../i18n';
import { subscribe } from '../live';
import { announce, loadError, loadingBlock, pageTitle } from '../ui';
import { complianceRegistry, formatCnpj } from './complianceRegistry';

/**
 * "Conformidade Anatel": today's short-call meter per CNPJ and access code (docs/compliance.md). Its texts live here,
 * in both languages, so the screen is one file; the numbers come from GET /v1/compliance/meter, refreshed every
 * REFRESH_MS and at once when an alert arrives over the socket.
 */
const REFRESH_MS = 15_000;

const TEXT = {
  'pt-BR': {
    title: 'Conformidade Anatel',
    intro: 'Chamadas curtas pela regra da Anatel: até {seconds} s completadas (quem desligar), não atendidas ou caixa postal. Bloqueio por 15 dias se (I) um código de acesso fizer {codeLimit} chamadas curtas no dia, ou (II) o CNPJ fizer {cnpjLimit} chamadas no dia com {share}% ou mais curtas.',
    coverage: 'O que este painel vê',
    day: 'Dia {day} (horário de Brasília), atualizado às {at}. Projeção linear sobre o dia de discagem ({start}h–{end}h).',
    alerts: 'Alertas de hoje',
    noAlerts: 'Nenhum alerta hoje.',
    none: 'Nenhuma chamada reportada hoje e nenhum CNPJ cadastrado. Cadastre os CNPJs e códigos de acesso abaixo.',
    cnpj: 'CNPJ {cnpj}',
    noCnpj: 'Sem CNPJ',
    noCode: 'Sem código de acesso',
    unregistered: 'não cadastrado',
    accessCode: 'Código de acesso',
    calls: 'Chamadas hoje',
    shortCalls: 'Curtas',
    shortPercent: '% curtas',
    unknown: 'Sem dados',
    projection: 'Projeção do dia',
    status: 'Situação',
    total: 'Total do CNPJ',
    avoided: 'Chamadas curtas evitadas hoje pela higienização: {count}',
    avoidedUnattributed: 'Chamadas curtas evitadas sem CNPJ atribuído: {count}',
    alertText: '{scope}: {status} — {short} curtas de {calls} chamadas ({percent}%), {at}',
    scopeCnpj: 'CNPJ {cnpj} (critério II)',
    scopeCode: 'Código de acesso {code} (critério I)',
    level: { alert: 'atenção', limit: 'bloqueio provável' },
    statusText: { ok: 'ok', 'atenção': 'atenção', 'bloqueio provável': 'bloqueio provável' } as Record<ComplianceStatusName, string>,
    newAlert: 'Novo alerta Anatel: {text}',
  },
  en: {
    title: 'Anatel compliance',
    intro: "Short calls under Anatel's rule: completed within {seconds} s (whoever hangs up), not answered, or voicemail. A 15-day block if (I) one access code makes {codeLimit} short calls in a day, or (II) the CNPJ makes {cnpjLimit} calls in a day with {share}% or more short.",
    coverage: 'What this screen sees',
    day: 'Day {day} (Brasília time), updated at {at}. Linear projection over the calling day ({start}:00–{end}:00).',
    alerts: "Today's alerts",
    noAlerts: 'No alert today.',
    none: 'No call reported today and no CNPJ registered. Register CNPJs and access codes below.',
    cnpj: 'CNPJ {cnpj}',
    noCnpj: 'No CNPJ',
    noCode: 'No access code',
    unregistered: 'not registered',
    accessCode: 'Access code',
    calls: 'Calls today',
    shortCalls: 'Short',
    shortPercent: '% short',
    unknown: 'No data',
    projection: 'Projected day',
    status: 'Status',
    total: 'CNPJ total',
    avoided: 'Short calls avoided today by hygiene: {count}',
    avoidedUnattributed: 'Short calls avoided without a CNPJ: {count}',
    alertText: '{scope}: {status} — {short} short of {calls} calls ({percent}%), {at}',
    scopeCnpj: 'CNPJ {cnpj} (criterion II)',
    scopeCode: 'Access code {code} (criterion I)',
    level: { alert: 'warning', limit: 'block likely' },
    statusText: { ok: 'ok', 'atenção': 'warning', 'bloqueio provável': 'block likely' } as Record<ComplianceStatusName, string>,
    newAlert: 'New Anatel alert: {text}',
  },
};

type Key = Exclude<keyof (typeof TEXT)['en'], 'level' | 'statusText'>;
const text = () => TEXT[lang()];
function tx(key: Key, params: Record<string, string | number> = {}): string {
  return text()[key].replace(/\{(\w+)\}/g, (_m, name: string) => String(params[name] ?? `{${name}}`));
}

/** The nav link's label, in the current language. */
export const complianceNavLabel = () => text().title;

const percent = (value: number) => new Intl.NumberFormat(lang(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
const STATUS_CLASS: Record<ComplianceStatusName, string> = { ok: 'tag tag-active', 'atenção': 'tag tag-pending', 'bloqueio provável': 'tag tag-blocked' };

function statusTag(status: ComplianceStatusName): HTMLElement {
  return h('span', { class: STATUS_CLASS[status] }, text().statusText[status]);
}

function alertLine(alert: ComplianceAlertEvent): string {
  const scope = alert.scope === 'cnpj' ? tx('scopeCnpj', { cnpj: alert.cnpj ? formatCnpj(alert.cnpj) : tx('noCnpj') }) : tx('scopeCode', { code: alert.accessCode ?? tx('noCode') });
  return tx('alertText', { scope, status: text().level[alert.level], short: formatNumber(alert.shortCalls), calls: formatNumber(alert.calls), percent: percent(alert.shortPercent), at: formatDateTime(alert.at) });
}

function countCells(today: ComplianceCounts, projected: ComplianceCounts): HTMLElement[] {
  return [
    h('td', { class: 'num' }, formatNumber(today.calls)),
    h('td', { class: 'num' }, formatNumber(today.shortCalls)),
    h('td', { class: 'num' }, `${percent(today.shortPercent)}%`),
    h('td', { class: 'num' }, formatNumber(today.unknownCalls)),
    h('td', { class: 'num' }, `${formatNumber(projected.calls)} (${formatNumber(projected.shortCalls)} ${text().shortCalls.toLowerCase()})`),
  ];
}

function cnpjSection(row: ComplianceCnpjMeter): HTMLElement {
  const name = row.cnpj ? tx('cnpj', { cnpj: formatCnpj(row.cnpj) }) : tx('noCnpj');
  const heads = [tx('accessCode'), tx('calls'), tx('shortCalls'), tx('shortPercent'), tx('unknown'), tx('projection'), tx('status')];
  const codeRows = row.accessCodes.map((code) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, code.accessCode ?? tx('noCode'), code.accessCode && !code.registered ? h('span', { class: 'tag' }, tx('unregistered')) : null),
      ...countCells(code.today, code.projected),
      h('td', {}, statusTag(code.status)),
    ),
  );
  const totalRow = h('tr', { class: 'total' }, h('th', { scope: 'row' }, tx('total')), ...countCells(row.today, row.projected), h('td', {}, statusTag(row.status)));
  return h(
    'section',
    { class: 'card', 'aria-label': name },
    h('h2', { class: 'h2' }, name, row.name ? ` — ${row.name}` : '', ' ', statusTag(row.status)),
    h(
      'div',
      // Focusable: on a phone the table scrolls sideways, and a keyboard must reach what is off screen.
      { class: 'table-wrap', tabindex: 0 },
      h('table', {}, h('caption', { class: 'sr-only' }, name), h('thead', {}, h('tr', {}, ...heads.map((label) => h('th', { scope: 'col' }, label)))), h('tbody', {}, ...codeRows, totalRow)),
    ),
    h('p', { class: 'small' }, tx('avoided', { count: formatNumber(row.avoided) })),
  );
}

function render(root: HTMLElement, view: ComplianceMeterView): void {
  const rules = view.rules;
  replaceChildren(
    root,
    pageTitle(tx('title')),
    h(
      'p',
      {},
      tx('intro', { seconds: rules.shortCallMaxSeconds, codeLimit: formatNumber(rules.accessCodeShortCallLimit), cnpjLimit: formatNumber(rules.cnpjCallLimit), share: formatNumber(rules.cnpjShortSharePercent) }),
    ),
    h('section', { class: 'card', 'aria-label': tx('coverage') }, h('h2', { class: 'h2' }, tx('coverage')), h('p', {}, view.coverage)),
    h('p', { class: 'small' }, tx('day', { day: view.day, at: formatDateTime(view.asOf), start: rules.callingDay.startHour, end: rules.callingDay.endHour })),
    h(
      'section',
      { class: 'card', 'aria-label': tx('alerts') },
      h('h2', { class: 'h2' }, tx('alerts')),
      view.alerts.length === 0 ? h('p', {}, tx('noAlerts')) : h('ul', { role: 'alert' }, ...view.alerts.map((alert) => h('li', {}, alertLine(alert)))),
    ),
    ...(view.cnpjs.length === 0 ? [h('p', {}, tx('none'))] : view.cnpjs.map(cnpjSection)),
    view.avoidedUnattributed > 0 ? h('p', { class: 'small' }, tx('avoidedUnattributed', { count: formatNumber(view.avoidedUnattributed) })) : null,
  );
}

export function complianceView(root: HTMLElement): () => void {
  let stopped = false;
  let timer: number | undefined;
  // The meter re-renders every REFRESH_MS; the registry's form lives beside it so a half-typed CNPJ survives that.
  const meter = h('div', {});
  const load = async () => {
    window.clearTimeout(timer);
    try {
      const view = await api.complianceMeter();
      if (stopped) return;
      const focused = document.activeElement;
      render(meter, view);
      if (focused === document.body || focused === null) meter.querySelector<HTMLElement>('h1')?.focus();
    } catch (error) {
      if (stopped || error instanceof SessionEnded) return;
      replaceChildren(meter, pageTitle(tx('title')), loadError(error, () => void load()));
    }
    if (!stopped) timer = window.setTimeout(() => void load(), REFRESH_MS);
  };
  replaceChildren(meter, pageTitle(tx('title')), loadingBlock());
  replaceChildren(root, meter, complianceRegistry(() => void load()));
  void load();
  const unsubscribe = subscribe({
    complianceAlert: (alert) => {
      announce(tx('newAlert', { text: alertLine(alert) }));
      void load();
    },
    resync: () => void load(),
  });
  return () => {
    stopped = true;
    window.clearTimeout(timer);
    unsubscribe();
  };
}
