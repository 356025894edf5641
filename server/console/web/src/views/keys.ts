import type { DialerKeySearchPage, DialerKeyView } from '../../../../../plugin/contract/protocol';

const PAGE_SIZE = 25;
import { api, SessionEnded } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { formatDateTime, t } from '../i18n';
import { announce, confirmDialog, errorText, inlineMessage, loadError, loadingBlock, openDialog, pageTitle, renderPager } from '../ui';
import { subscribe } from '../live';
import { actorName, loadPeople } from '../people';

/** Shows a new key once, with a copy button; closing the dialog is the last time anyone sees it. */
async function showNewKey(key: string): Promise<void> {
  const inputId = uid('new-key');
  const input = h('input', { id: inputId, type: 'text', readonly: true, value: key, class: 'key-value', spellcheck: 'false' });
  const copyStatus = h('p', { class: 'inline-msg ok', role: 'status' });
  const copy = h(
    'button',
    {
      type: 'button',
      class: 'btn secondary',
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(key);
          copyStatus.textContent = t('copied');
        } catch {
          input.select();
          copyStatus.textContent = t('copyFailed');
        }
      },
    },
    t('copy'),
  );
  await openDialog({
    title: t('newKeyTitle'),
    body: [
      h('p', { class: 'warning' }, t('newKeyWarning')),
      h('div', { class: 'field' }, h('label', { for: inputId }, t('newKeyLabel')), h('div', { class: 'copy-row' }, input, copy)),
      copyStatus,
      h('h3', { class: 'h3' }, t('connectTitle')),
      h('p', { class: 'small' }, t('connectIntro')),
      connectSnippet(key),
    ],
    actions: (close) => [h('button', { type: 'button', class: 'btn primary', onclick: () => close(true) }, t('done'))],
  });
}

/** What a dialer's machine needs to connect with a new key: the server's address, the key, and the check command. */
export const connectText = (key: string) => `export HYGIENE_URL=${location.origin}\nexport HYGIENE_API_KEY=${key}\nnpx hygiene verificar`;

function connectSnippet(key: string): HTMLElement {
  const status = h('p', { class: 'inline-msg ok', role: 'status' });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(connectText(key));
      status.textContent = t('snippetCopied');
    } catch {
      status.textContent = t('copyFailed');
    }
  };
  return h(
    'div',
    {},
    h('pre', { class: 'snippet', tabindex: 0, role: 'region', 'aria-label': t('connectTitle') }, h('code', {}, connectText(key))),
    h('button', { type: 'button', class: 'btn secondary small', onclick: () => void copy() }, t('copySnippet')),
    status,
  );
}

/**
 * A dialer with a socket open now (live presence, from the server) is connected; otherwise when its key was last
 * used, or never. A recent HTTP request alone no longer reads "connected": a dialer may have stopped a second later.
 */
function connection(key: DialerKeyView): HTMLElement {
  if (key.revokedAt) return h('span', { class: 'muted' }, '—');
  if (key.connected) return h('span', { class: 'tag tag-active' }, t('dialerConnected'));
  if (!key.lastUsedAt) return h('span', { class: 'muted' }, t('neverConnected'));
  return h('span', {}, t('keyLastSeen', { at: formatDateTime(key.lastUsedAt) }));
}

/** Dialer keys: create (shown once, with the snippet to connect a dialer), revoke (with a confirmation), search, sort and pages on the server. */
export function keysView(root: HTMLElement): () => void {
  const nameId = uid('key-name');
  const hintId = uid('key-hint');
  const name = h('input', { id: nameId, type: 'text', autocomplete: 'off', 'aria-describedby': hintId });
  const createMessage = inlineMessage({ name });
  const form = h(
    'form',
    { class: 'card', novalidate: true },
    h(
      'div',
      { class: 'form-row' },
      h('div', { class: 'field grow' }, h('label', { for: nameId }, t('keyName')), name, h('span', { id: hintId, class: 'hint' }, t('keyNameHint'))),
      h('div', { class: 'field' }, h('span', { class: 'label-spacer', 'aria-hidden': 'true' }, ' '), h('button', { type: 'submit', class: 'btn primary' }, t('createKey'))),
    ),
    createMessage.element,
  );
  const listSlot = h('div', {}, loadingBlock());
  const ids = { search: uid('key-search'), state: uid('key-state'), sort: uid('key-sort'), order: uid('key-order') };
  const search = h('input', { id: ids.search, type: 'search', autocomplete: 'off' });
  const state = h('select', { id: ids.state }, h('option', { value: '' }, t('all')), h('option', { value: 'active' }, t('active')), h('option', { value: 'revoked' }, t('revokedState')));
  const sort = h('select', { id: ids.sort }, ...(['createdAt', 'name', 'lastUsedAt'] as const).map((key) => h('option', { value: key }, t(`keySort_${key}`))));
  const order = h('select', { id: ids.order }, h('option', { value: 'desc' }, t('sortDesc')), h('option', { value: 'asc' }, t('sortAsc')));
  const shown = h('p', { class: 'muted small', role: 'status' });
  const pager = h('nav', { class: 'pager', 'aria-label': t('pageOf', { page: 1, pages: 1 }) });
  const field = (id: string, label: string, control: HTMLElement, grow = false) => h('div', { class: grow ? 'field grow' : 'field' }, h('label', { for: id }, label), control);
  replaceChildren(
    root,
    pageTitle(t('keysTitle')),
    h('p', { class: 'intro' }, t('keysIntro')),
    form,
    h(
      'section',
      { class: 'card', 'aria-label': t('keysTitle') },
      h('div', { class: 'form-row filters', role: 'search' }, field(ids.search, t('searchKeys'), search, true), field(ids.state, t('status'), state), field(ids.sort, t('sortBy'), sort), field(ids.order, t('sortOrder'), order)),
      shown,
      listSlot,
      pager,
    ),
  );
  let page = 0;
  let loadSeq = 0;
  let searchTimer: number | undefined;

  /** The server's page: searched, filtered, sorted and cut there (a tenant may have many keys). */
  function render(answer: DialerKeySearchPage): void {
    shown.textContent = answer.tenantKeys ? t('keysShown', { count: answer.total, total: answer.tenantKeys }) : '';
    const heads = [t('name'), t('prefix'), t('createdBy'), t('connection'), t('status'), t('actions')];
    replaceChildren(
      listSlot,
      answer.tenantKeys === 0
        ? h('p', { class: 'empty' }, t('noKeys'))
        : h('div', { class: 'table-wrap' }, h('table', { class: 'keys stack' }, h('thead', {}, h('tr', {}, ...heads.map((label) => h('th', { scope: 'col' }, label)))), h('tbody', {}, ...answer.keys.map(row)))),
    );
    const pages = Math.max(1, Math.ceil(answer.total / PAGE_SIZE));
    renderPager(pager, page, pages, showPage);
  }

  function showPage(next: number): void {
    page = Math.max(0, next);
    void load();
  }
  search.addEventListener('input', () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => showPage(0), 250);
  });
  for (const control of [state, sort, order]) control.addEventListener('change', () => showPage(0));

  function row(key: DialerKeyView): HTMLElement {
    const message = inlineMessage();
    const status = key.revokedAt ? h('span', { class: 'tag tag-revoked' }, t('revokedAt', { at: formatDateTime(key.revokedAt), actor: actorName(key.revokedBy ?? '?') })) : h('span', { class: 'tag tag-active' }, t('active'));
    const revoke = key.revokedAt
      ? null
      : h(
          'button',
          {
            type: 'button',
            class: 'btn danger small',
            'aria-label': t('revokeOf', { name: key.name }),
            onclick: async (event: Event) => {
              const button = event.currentTarget as HTMLButtonElement;
              const confirmed = await confirmDialog(t('revokeTitle'), t('revokeBody', { name: key.name, prefix: key.prefix }), t('revoke'), true);
              if (!confirmed) return;
              button.disabled = true;
              message.clear();
              try {
                await api.revokeKey(key.id);
                announce(t('keyRevoked', { name: key.name }));
                await load();
                listSlot.querySelector<HTMLElement>(`tr[data-key="${key.id}"] th`)?.focus();
              } catch (error) {
                if (error instanceof SessionEnded) return;
                button.disabled = false;
                message.error(errorText(error));
              }
            },
          },
          t('revoke'),
        );
    return h(
      'tr',
      { 'data-key': key.id },
      h('th', { scope: 'row', tabindex: -1 }, key.name),
      h('td', { 'data-label': t('prefix') }, h('code', {}, `${key.prefix}…`)),
      h('td', { 'data-label': t('createdBy') }, actorName(key.createdBy), h('br'), h('span', { class: 'muted small' }, formatDateTime(key.createdAt))),
      h('td', { 'data-label': t('connection') }, connection(key)),
      h('td', { 'data-label': t('status') }, status),
      h('td', { 'data-label': revoke ? t('actions') : '' }, revoke, message.element),
    );
  }

  /** The page of the filters on screen; a slower earlier answer never overwrites a newer one. */
  async function load(): Promise<void> {
    const seq = ++loadSeq;
    try {
      const [answer] = await Promise.all([api.keyPage({ q: search.value.trim(), state: state.value, sort: sort.value, order: order.value, limit: PAGE_SIZE, offset: page * PAGE_SIZE }), loadPeople()]);
      if (seq !== loadSeq) return;
      // Fewer keys than before (a filter, a revoke elsewhere): the last page that has some.
      if (answer.keys.length === 0 && page > 0 && answer.total > 0) return showPage(Math.ceil(answer.total / PAGE_SIZE) - 1);
      render(answer);
    } catch (error) {
      if (!(error instanceof SessionEnded) && seq === loadSeq) replaceChildren(listSlot, loadError(error, () => void load()));
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    createMessage.clear();
    try {
      const created = await api.createKey(name.value);
      name.value = '';
      await load();
      await showNewKey(created.key);
    } catch (error) {
      if (!(error instanceof SessionEnded)) createMessage.error(errorText(error), error);
    }
  });

  void load();
  // Another admin's new or revoked key shows up without a reload.
  const unsubscribe = subscribe({ keys: () => void load(), resync: () => void load() });
  return () => {
    unsubscribe();
    window.clearTimeout(searchTimer);
  };
}
