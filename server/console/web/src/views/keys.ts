import type { DialerKeyView } from '../../../../../plugin/contract/protocol';
import { api, SessionEnded } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { formatDateTime, t } from '../i18n';
import { announce, confirmDialog, errorText, inlineMessage, loadError, loadingBlock, openDialog, pageTitle } from '../ui';
import { subscribe } from '../live';

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
    body: [h('p', { class: 'warning' }, t('newKeyWarning')), h('div', { class: 'field' }, h('label', { for: inputId }, t('newKeyLabel')), h('div', { class: 'copy-row' }, input, copy)), copyStatus],
    actions: (close) => [h('button', { type: 'button', class: 'btn primary', onclick: () => close(true) }, t('done'))],
  });
}

/** Dialer keys: create (shown once) and revoke (with a confirmation). */
export function keysView(root: HTMLElement): () => void {
  const nameId = uid('key-name');
  const hintId = uid('key-hint');
  const name = h('input', { id: nameId, type: 'text', autocomplete: 'off', 'aria-describedby': hintId });
  const createMessage = inlineMessage();
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
  const listSlot = h('div', { class: 'card' }, loadingBlock());
  replaceChildren(root, pageTitle(t('keysTitle')), h('p', { class: 'intro' }, t('keysIntro')), form, listSlot);

  function row(key: DialerKeyView): HTMLElement {
    const message = inlineMessage();
    const status = key.revokedAt ? h('span', { class: 'tag tag-revoked' }, t('revokedAt', { at: formatDateTime(key.revokedAt), actor: key.revokedBy ?? '?' })) : h('span', { class: 'tag tag-active' }, t('active'));
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
      h('td', {}, h('code', {}, `${key.prefix}…`)),
      h('td', {}, key.createdBy, h('br'), h('span', { class: 'muted small' }, formatDateTime(key.createdAt))),
      h('td', {}, key.lastUsedAt ? formatDateTime(key.lastUsedAt) : t('never')),
      h('td', {}, status),
      h('td', {}, revoke, message.element),
    );
  }

  async function load(): Promise<void> {
    try {
      const keys = await api.keys();
      const heads = [t('name'), t('prefix'), t('createdBy'), t('lastUsed'), t('status'), t('actions')];
      replaceChildren(
        listSlot,
        keys.length === 0 ? h('p', { class: 'empty' }, t('noKeys')) : h('div', { class: 'table-wrap' }, h('table', { class: 'keys' }, h('thead', {}, h('tr', {}, ...heads.map((label) => h('th', { scope: 'col' }, label)))), h('tbody', {}, ...keys.map(row)))),
      );
    } catch (error) {
      if (!(error instanceof SessionEnded)) replaceChildren(listSlot, loadError(error, () => void load()));
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
      if (!(error instanceof SessionEnded)) createMessage.error(errorText(error));
    }
  });

  void load();
  // Another admin's new or revoked key shows up without a reload.
  return subscribe({ keys: () => void load(), resync: () => void load() });
}
