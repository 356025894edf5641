import type { CampaignView } from '../../../../../plugin/contract/protocol';
import { api, SessionEnded } from '../api';
import { h, replaceChildren } from '../dom';
import { formatDateTime, t } from '../i18n';
import { actorName } from '../people';
import { confirmDialog, errorText, inlineMessage, openDialog } from '../ui';

/**
 * The "Higienização de Mailing" switch of one campaign: confirmation first, then the change; a rejected change
 * shows the server's reason next to the switch and the switch returns to the state the server really has.
 */
export function hygieneSwitch(initial: CampaignView): { element: HTMLElement; update(campaign: CampaignView): void } {
  let campaign = initial;
  let pending = false;
  const button = h('button', { type: 'button', role: 'switch', class: 'switch' });
  const changed = h('span', { class: 'changed' });
  const historyButton = h('button', { type: 'button', class: 'btn link', onclick: () => void showHistory(campaign) }, t('history'));
  const message = inlineMessage();
  const element = h('div', { class: 'hygiene' }, h('div', { class: 'hygiene-row' }, button), h('div', { class: 'hygiene-meta' }, changed, ' ', historyButton), message.element);

  function render(): void {
    button.setAttribute('aria-checked', String(campaign.hygieneEnabled));
    button.setAttribute('aria-label', `${t('hygieneSwitch')}: ${campaign.name}`);
    button.toggleAttribute('aria-busy', pending);
    button.disabled = pending;
    replaceChildren(button, h('span', { class: 'switch-track', 'aria-hidden': 'true' }, h('span', { class: 'switch-thumb' })), h('span', { class: 'switch-text' }, pending ? t('saving') : campaign.hygieneEnabled ? t('on') : t('off')));
    changed.textContent = campaign.hygieneChangedAt && campaign.hygieneChangedBy ? t('changedBy', { actor: actorName(campaign.hygieneChangedBy), at: formatDateTime(campaign.hygieneChangedAt) }) : t('neverChanged');
  }

  button.addEventListener('click', async () => {
    const enable = !campaign.hygieneEnabled;
    const confirmed = await confirmDialog(
      enable ? t('confirmOnTitle') : t('confirmOffTitle'),
      enable ? t('confirmOnBody', { name: campaign.name }) : t('confirmOffBody', { name: campaign.name }),
      enable ? t('confirmOn') : t('confirmOff'),
      !enable,
    );
    if (!confirmed) return;
    message.clear();
    pending = true;
    render();
    try {
      campaign = await api.setHygiene(campaign.externalId, enable);
    } catch (error) {
      if (error instanceof SessionEnded) return;
      message.error(errorText(error));
      // Show what the server really has now, not what was asked for.
      campaign = await api.campaign(campaign.externalId).catch(() => campaign);
    } finally {
      pending = false;
      render();
    }
    button.focus();
  });

  render();
  return {
    element,
    update(next) {
      if (next.externalId !== campaign.externalId) return;
      campaign = next;
      if (!pending) render();
    },
  };
}

async function showHistory(campaign: CampaignView): Promise<void> {
  const list = h('div', { class: 'history', 'aria-live': 'polite' }, h('p', { role: 'status' }, t('loading')));
  const loading = openDialog({
    title: t('historyOf', { name: campaign.name }),
    body: [list],
    actions: (close) => [h('button', { type: 'button', class: 'btn primary', onclick: () => close(true) }, t('close'))],
  });
  try {
    const events = await api.history(campaign.externalId);
    replaceChildren(
      list,
      events.length === 0
        ? h('p', {}, t('historyEmpty'))
        : h('ol', { class: 'history-list' }, ...events.map((event) => h('li', {}, h('time', { datetime: event.at }, formatDateTime(event.at)), ' — ', h('strong', {}, actorName(event.actor)), ' ', event.action === 'hygiene_on' ? t('historyOn') : event.action === 'hygiene_off' ? t('historyOff') : event.action))),
    );
  } catch (error) {
    if (!(error instanceof SessionEnded)) replaceChildren(list, h('p', { class: 'inline-msg error', role: 'alert' }, errorText(error)));
  }
  await loading;
}
