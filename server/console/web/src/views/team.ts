import type { LoginResult } from '../../../../../plugin/contract/protocol';
import { api, SessionEnded } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { formatDateTime, t, type MessageKey } from '../i18n';
import { currentSession, endSession, startSession } from '../session';
import { announce, confirmDialog, errorText, inlineMessage, loadError, loadingBlock, pageTitle } from '../ui';

type AdminRow = Awaited<ReturnType<typeof api.admins>>[number];
/** Said once after the view is drawn again (a password change starts a fresh session, which redraws the screen). */
let flash: string | null = null;

function field(label: MessageKey, attrs: Record<string, string>): { wrap: HTMLElement; input: HTMLInputElement } {
  const id = uid('f');
  const input = h('input', { id, ...attrs });
  return { wrap: h('div', { class: 'field' }, h('label', { for: id }, t(label)), input), input };
}

/**
 * "Administradores": the tenant's admins (invite, disable with a confirmation; nobody disables themselves), and the
 * signed-in admin's own account: change password (this tab keeps a fresh session, every other one ends) and sign
 * out everywhere.
 */
export function teamView(root: HTMLElement): () => void {
  const listSlot = h('div', {}, loadingBlock());
  const invite = { name: field('field_name', { type: 'text', autocomplete: 'off' }), email: field('field_email', { type: 'email', autocomplete: 'off' }), password: field('initialPassword', { type: 'password', autocomplete: 'new-password' }) };
  const inviteMessage = inlineMessage({ name: invite.name.input, email: invite.email.input, password: invite.password.input });
  const inviteForm = h(
    'form',
    { class: 'card', novalidate: true, 'aria-labelledby': 'invite-title' },
    h('h2', { id: 'invite-title' }, t('inviteTitle')),
    h('p', { class: 'muted small' }, t('inviteHint')),
    h('div', { class: 'form-row' }, invite.name.wrap, invite.email.wrap, invite.password.wrap),
    h('button', { type: 'submit', class: 'btn primary' }, t('inviteAdmin')),
    inviteMessage.element,
  );
  const pw = { current: field('currentPassword', { type: 'password', autocomplete: 'current-password' }), next: field('newPassword', { type: 'password', autocomplete: 'new-password' }) };
  const pwMessage = inlineMessage({ currentPassword: pw.current.input, newPassword: pw.next.input });
  const passwordForm = h(
    'form',
    { class: 'card', novalidate: true, 'aria-labelledby': 'pw-title' },
    h('h2', { id: 'pw-title' }, t('myAccount')),
    h('div', { class: 'form-row' }, pw.current.wrap, pw.next.wrap),
    h('button', { type: 'submit', class: 'btn primary' }, t('changePassword')),
    pwMessage.element,
    h('hr'),
    h('p', { class: 'muted small' }, t('signOutEverywhereHint')),
    h(
      'button',
      {
        type: 'button',
        class: 'btn danger',
        onclick: async () => {
          if (!(await confirmDialog(t('signOutEverywhereTitle'), t('signOutEverywhereHint'), t('signOutEverywhere'), true))) return;
          try {
            await api.signOutEverywhere();
            endSession('signedOut');
          } catch (error) {
            if (!(error instanceof SessionEnded)) pwMessage.error(errorText(error));
          }
        },
      },
      t('signOutEverywhere'),
    ),
  );
  replaceChildren(root, pageTitle(t('teamTitle')), h('p', { class: 'intro' }, t('teamIntro')), h('section', { class: 'card', 'aria-label': t('teamTitle') }, listSlot), inviteForm, passwordForm);

  const me = currentSession()?.email.toLowerCase();
  if (flash) {
    pwMessage.ok(flash);
    flash = null;
  }

  function row(admin: AdminRow): HTMLElement {
    const message = inlineMessage();
    const self = admin.email.toLowerCase() === me;
    const action =
      admin.disabledAt || self
        ? null
        : h(
            'button',
            {
              type: 'button',
              class: 'btn danger small',
              'aria-label': t('disableOf', { name: admin.name }),
              onclick: async () => {
                if (!(await confirmDialog(t('disableTitle'), t('disableBody', { name: admin.name, email: admin.email }), t('disable'), true))) return;
                try {
                  await api.disableAdmin(admin.id);
                  announce(t('disabledDone', { name: admin.name }));
                  await load();
                } catch (error) {
                  if (!(error instanceof SessionEnded)) message.error(errorText(error));
                }
              },
            },
            t('disable'),
          );
    return h(
      'tr',
      { 'data-admin': admin.email },
      h('th', { scope: 'row' }, admin.name, self ? h('span', { class: 'tag' }, t('you')) : null),
      h('td', { 'data-label': t('field_email') }, admin.email),
      h('td', { 'data-label': t('created') }, formatDateTime(admin.createdAt)),
      h('td', { 'data-label': t('status') }, admin.disabledAt ? h('span', { class: 'tag tag-revoked' }, t('disabledAt', { at: formatDateTime(admin.disabledAt) })) : h('span', { class: 'tag tag-active' }, t('active'))),
      h('td', { 'data-label': action ? t('actions') : '' }, action, message.element),
    );
  }

  async function load(): Promise<void> {
    try {
      const admins = await api.admins();
      const heads = [t('field_name'), t('field_email'), t('created'), t('status'), t('actions')];
      replaceChildren(listSlot, h('div', { class: 'table-wrap' }, h('table', { class: 'admins stack' }, h('thead', {}, h('tr', {}, ...heads.map((label) => h('th', { scope: 'col' }, label)))), h('tbody', {}, ...admins.map(row)))));
    } catch (error) {
      if (!(error instanceof SessionEnded)) replaceChildren(listSlot, loadError(error, () => void load()));
    }
  }

  inviteForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    inviteMessage.clear();
    try {
      const created = await api.inviteAdmin({ name: invite.name.input.value, email: invite.email.input.value, password: invite.password.input.value });
      for (const f of Object.values(invite)) f.input.value = '';
      inviteMessage.ok(t('invitedDone', { name: created.name }));
      await load();
    } catch (error) {
      if (!(error instanceof SessionEnded)) inviteMessage.error(errorText(error), error);
    }
  });

  passwordForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    pwMessage.clear();
    try {
      const fresh: LoginResult = await api.changePassword(pw.current.input.value, pw.next.input.value);
      pw.current.input.value = '';
      pw.next.input.value = '';
      flash = t('passwordChanged');
      startSession({ token: fresh.token, expiresAt: fresh.expiresAt, email: fresh.admin.email, tenantName: fresh.admin.tenantName, name: fresh.admin.name });
      announce(t('passwordChanged'));
    } catch (error) {
      if (!(error instanceof SessionEnded)) pwMessage.error(errorText(error), error);
    }
  });

  void load();
  return () => undefined;
}
