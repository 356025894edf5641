import type { AuditEventView } from '../../../../../plugin/contract/protocol';
import { api, SessionEnded } from '../api';
import { actorName } from '../people';
import { h, replaceChildren, uid } from '../dom';
import { formatDateTime, formatNumber, t, type MessageKey } from '../i18n';
import { formatCnpj } from './complianceRegistry';
import { errorText, inlineMessage, loadError, loadingBlock, pageTitle } from '../ui';

const detailsOf = (event: AuditEventView): Record<string, unknown> =>
  event.details && typeof event.details === 'object' ? (event.details as Record<string, unknown>) : {};

const KNOWN_ACTIONS = new Set([
  'tabulation.changed',
  'dialer-key.created',
  'dialer-key.revoked',
  'number.withdrawn',
  'number.contested',
  'source.quarantined',
  'source.released',
  'enumeration.flagged',
  'number.erased',
  'compliance.cnpj-saved',
  'compliance.cnpj-removed',
  'calling-hours.changed',
  'purpose.changed',
]);

/** An action in words, with how many times it happened when the server coalesced repeats (a refused upload). */
function actionText(event: AuditEventView): string {
  const count = Number(detailsOf(event).count ?? 1);
  return count > 1 ? `${actionWords(event)} (${t('refusedCount').toLowerCase()}: ${formatNumber(count)})` : actionWords(event);
}

/** An action code in words; a code this console does not know yet is shown as it is rather than hidden. */
function actionWords(event: AuditEventView): string {
  const details = detailsOf(event);
  if (event.action === 'hygiene.switched') return t(details.enabled ? 'audit:hygiene.switched:on' : 'audit:hygiene.switched:off');
  if (!KNOWN_ACTIONS.has(event.action)) return event.action;
  const text = t(`audit:${event.action}` as MessageKey);
  if (event.action === 'tabulation.changed') {
    if (details.reverted) return `${text} (${t('auditTabulationReverted')})`;
    const outcome = details.outcome;
    if (outcome === 'invalid' || outcome === 'contact' || outcome === 'neutral') return `${text} (${t('auditTabulationTo', { outcome: t(`outcome_${outcome}`).toLowerCase() })})`;
  }
  return text;
}

/** Targets are typed ids (`campaign:…`, `code:…`, `key:<prefix>`): said as words, anything else as it is. */
function targetText(target: string | null): string {
  if (!target) return '—';
  const [kind, ...rest] = target.split(':');
  const id = rest.join(':');
  if (kind === 'campaign' && id) return t('auditTargetCampaign', { id });
  if (kind === 'code' && id) return t('auditTargetCode', { id });
  if (kind === 'key' && id) return t('auditTargetKey', { id });
  if (kind === 'cnpj' && id) return `CNPJ ${formatCnpj(id)}`;
  if (kind === 'calling-hours' && id) return t('auditTargetHours', { id });
  return target;
}

function actorText(actor: string): string {
  if (actor === 'server') return t('actorServer');
  if (actor === 'operator' || actor.startsWith('operator:')) return actor === 'operator' ? t('actorOperator') : `${t('actorOperator')} (${actor.slice('operator:'.length)})`;
  return actorName(actor);
}

const AUDIT_KINDS: [string, MessageKey][] = [
  ['', 'all'],
  ['hygiene.', 'auditKindHygiene'],
  ['tabulation.', 'auditKindTabulations'],
  ['dialer-key.', 'auditKindKeys'],
  ['number.', 'auditKindNumbers'],
  ['admin.', 'auditKindAdmins'],
  ['compliance.', 'auditKindCompliance'],
];

/** "Auditoria": the tenant's audit log, newest first, 50 at a time with "Carregar mais" (keyset on the event id). */
export function auditView(root: HTMLElement): () => void {
  const listSlot = h('div', {}, loadingBlock());
  // Filtered by the server (action prefix), so the filter covers the whole log, not just the pages loaded.
  const kindId = uid('audit-kind');
  const kind = h('select', { id: kindId }, ...AUDIT_KINDS.map(([value, label]) => h('option', { value }, t(label))));
  // Searched by the server too (actor, target or action, any case): the words cover the whole log.
  const searchId = uid('audit-search');
  const search = h('input', { id: searchId, type: 'search', autocomplete: 'off' });
  replaceChildren(
    root,
    pageTitle(t('auditTitle')),
    h('p', { class: 'intro' }, t('auditIntro')),
    h('section', { class: 'card', 'aria-label': t('auditTitle') }, h(
        'div',
        { class: 'form-row filters', role: 'search' },
        h('div', { class: 'field grow' }, h('label', { for: searchId }, t('auditSearch')), search),
        h('div', { class: 'field' }, h('label', { for: kindId }, t('auditKind')), kind),
      ), listSlot),
  );
  kind.addEventListener('change', () => void loadFirst());
  let searchTimer: number | undefined;
  search.addEventListener('input', () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => void loadFirst(), 250);
  });
  const filter = () => ({ action: kind.value || undefined, q: search.value.trim() || undefined });
  let loadSeq = 0;

  let active = true;
  const tbody = h('tbody', {});
  const count = h('p', { class: 'muted small', role: 'status' });
  const moreMessage = inlineMessage();
  const more = h('button', { type: 'button', class: 'btn secondary' }, t('auditMore'));
  let next: string | null = null;
  let shown = 0;

  const row = (event: AuditEventView) =>
    h(
      'tr',
      { 'data-audit': event.id },
      h('td', { class: 'nowrap' }, formatDateTime(event.at)),
      h('td', {}, actorText(event.actor)),
      h('th', { scope: 'row' }, actionText(event)),
      h('td', {}, targetText(event.target)),
      h('td', { class: 'reason' }, event.reason ?? '—'),
    );

  function append(events: AuditEventView[], nextCursor: string | null): void {
    tbody.append(...events.map(row));
    shown += events.length;
    next = nextCursor;
    count.textContent = next ? t('auditShown', { count: shown }) : `${t('auditShown', { count: shown })}. ${t('auditEnd')}`;
    more.hidden = !next;
  }

  async function loadFirst(): Promise<void> {
    const seq = ++loadSeq;
    replaceChildren(listSlot, loadingBlock());
    try {
      const page = await api.audit(undefined, filter());
      if (!active || seq !== loadSeq) return;
      if (page.events.length === 0) {
        replaceChildren(listSlot, h('p', { class: 'empty' }, t('auditEmpty')));
        return;
      }
      tbody.replaceChildren();
      shown = 0;
      const heads = [t('auditWhen'), t('auditWho'), t('auditWhat'), t('auditTarget'), t('auditReason')];
      replaceChildren(
        listSlot,
        // Wider than a phone: the wrapper scrolls, so it takes focus and a name (keyboard users scroll it too).
        h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('auditTitle') }, h('table', { class: 'audit' }, h('thead', {}, h('tr', {}, ...heads.map((label) => h('th', { scope: 'col' }, label)))), tbody)),
        h('div', { class: 'list-footer' }, count, more, moreMessage.element),
      );
      append(page.events, page.next);
    } catch (error) {
      if (!(error instanceof SessionEnded) && active) replaceChildren(listSlot, loadError(error, () => void loadFirst()));
    }
  }

  more.addEventListener('click', async () => {
    if (!next) return;
    moreMessage.clear();
    more.disabled = true;
    const firstNew = shown;
    try {
      const page = await api.audit(next, filter());
      if (!active) return;
      append(page.events, page.next);
      // Keyboard users continue where the new rows begin, not back at the top.
      const firstRow = tbody.children[firstNew]?.querySelector<HTMLElement>('th');
      if (firstRow) {
        firstRow.tabIndex = -1;
        firstRow.focus();
      }
    } catch (error) {
      if (!(error instanceof SessionEnded)) moreMessage.error(errorText(error));
    } finally {
      more.disabled = false;
    }
  });

  void loadFirst();
  return () => {
    active = false;
    window.clearTimeout(searchTimer);
  };
}
