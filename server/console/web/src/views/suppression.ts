import type { CampaignView } from '../../../../../plugin/contract/protocol';
import { api, SessionEnded, type SharedSuppressionList, type SuppressionEntry } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { formatDateTime, formatNumber, lang, fill } from '../i18n';
import { callingHoursSection } from './callingHours';
import { announce, confirmDialog, errorText, inlineMessage, loadError, loadingBlock, pageTitle } from '../ui';

/**
 * "Listas de supressão": the shared lists (national, state) and their purposes, the tenant's own do-not-call entries
 * (add, remove; never a phone shown: only pseudonyms are stored), each campaign's purpose, and the calling hours in
 * force. Texts live here in both languages, like views/compliance.ts, so the screen is one file.
 */
const TEXT = {
  'pt-BR': {
    title: 'Listas de supressão',
    intro: 'Números que não podem ser discados: listas nacionais e estaduais (por finalidade da campanha) e a lista de não ligar do cliente. Valem com a higienização ligada ou não; os números removidos contam como "suprimidos". Os telefones não são guardados: só pseudônimos.',
    shared: 'Listas nacionais e estaduais',
    list: 'Lista',
    purposes: 'Finalidades',
    purpose: 'Finalidade',
    legal: 'Base legal',
    entries: 'Números',
    imported: 'Importada em',
    notImported: 'não importada',
    own: 'Lista de não ligar do cliente',
    phones: 'Telefones (um por linha)',
    source: 'Origem do pedido',
    sourceHint: 'Ex.: pedido do cliente na ligação, Procon, jurídico',
    campaign: 'Campanha',
    allCampaigns: 'Todas as campanhas',
    expires: 'Validade (opcional)',
    add: 'Adicionar',
    added: '{count} números adicionados à lista de não ligar.',
    refused: '{count} telefones recusados: {list}',
    noEntries: 'Nenhum número na lista.',
    expiredTag: 'vencido',
    noExpiry: 'sem validade',
    addedBy: 'Incluído por',
    actions: 'Ações',
    remove: 'Remover',
    removeTitle: 'Remover da lista de não ligar?',
    removeBody: 'O número volta a ser discado nas campanhas desta lista (as listas nacionais e estaduais continuam valendo).',
    removed: 'Número removido da lista.',
    more: 'Mostrar mais',
    purposeTitle: 'Finalidade das campanhas',
    purposeIntro: 'A finalidade decide quais listas nacionais e estaduais valem: o Não Me Perturbe vale para telemarketing e consignado, não para cobrança. Sem finalidade informada, todas as listas valem.',
    purposeOf: 'Finalidade de {campaign}',
    purposeSaved: 'Finalidade de {campaign} salva.',
    purposeHint: 'Decide quais listas nacionais e estaduais valem para a campanha.',
    kinds: { national: 'nacional', state: 'estadual' },
    purposeNames: { telemarketing: 'Telemarketing', consignado: 'Consignado', cobranca: 'Cobrança', pesquisa: 'Pesquisa', outro: 'Outro', nao_informado: 'Não informada (todas as listas)' },
  },
  en: {
    title: 'Suppression lists',
    intro: "Numbers that must not be dialed: national and state lists (by the campaign's purpose) and the tenant's own do-not-call list. They apply whether hygiene is on or not; removed numbers count as \"suppressed\". Phones are not stored: only pseudonyms.",
    shared: 'National and state lists',
    list: 'List',
    purposes: 'Purposes',
    purpose: 'Purpose',
    legal: 'Legal basis',
    entries: 'Numbers',
    imported: 'Imported',
    notImported: 'not imported',
    own: "The tenant's do-not-call list",
    phones: 'Phones (one per line)',
    source: 'Where the request came from',
    sourceHint: 'E.g. customer asked on the call, Procon, legal',
    campaign: 'Campaign',
    allCampaigns: 'Every campaign',
    expires: 'Expiry (optional)',
    add: 'Add',
    added: '{count} numbers added to the do-not-call list.',
    refused: '{count} phones refused: {list}',
    noEntries: 'No number on the list.',
    expiredTag: 'expired',
    noExpiry: 'no expiry',
    addedBy: 'Added by',
    actions: 'Actions',
    remove: 'Remove',
    removeTitle: 'Remove from the do-not-call list?',
    removeBody: "The number is dialed again by this list's campaigns (national and state lists still apply).",
    removed: 'Number removed from the list.',
    more: 'Show more',
    purposeTitle: 'Campaign purposes',
    purposeIntro: 'The purpose decides which national and state lists apply: Não Me Perturbe covers telemarketing and payroll loans, not collections. With no purpose set, every list applies.',
    purposeOf: 'Purpose of {campaign}',
    purposeSaved: 'Purpose of {campaign} saved.',
    purposeHint: 'Decides which national and state lists apply to the campaign.',
    kinds: { national: 'national', state: 'state' },
    purposeNames: { telemarketing: 'Telemarketing', consignado: 'Payroll loans', cobranca: 'Collections', pesquisa: 'Survey', outro: 'Other', nao_informado: 'Not set (every list)' },
  },
} as const;

type Text = (typeof TEXT)['pt-BR'];
const text = (): Text => TEXT[lang() === 'en' ? 'en' : 'pt-BR'] as Text;
const PURPOSES = ['nao_informado', 'telemarketing', 'consignado', 'cobranca', 'pesquisa', 'outro'] as const;

/**
 * A campaign's purpose, saved on change (PUT /v1/campaigns/:id/purpose). In a table of campaigns the row names the
 * campaign, so the select is labelled "Finalidade de <name>"; on the campaign's own screen the label is visible.
 */
export function purposeControl(campaign: CampaignView, visibleLabel = true): { element: HTMLElement } {
  const tx = text();
  const id = uid('purpose');
  const message = inlineMessage();
  const select = h('select', { id, ...(visibleLabel ? {} : { 'aria-label': fill(tx.purposeOf, { campaign: campaign.name }) }) }, ...PURPOSES.map((purpose) => h('option', { value: purpose }, tx.purposeNames[purpose])));
  select.value = campaign.purpose ?? 'nao_informado';
  select.addEventListener('change', async () => {
    message.clear();
    try {
      await api.setPurpose(campaign.externalId, select.value);
      message.ok(fill(tx.purposeSaved, { campaign: campaign.name }));
    } catch (error) {
      if (!(error instanceof SessionEnded)) message.error(errorText(error));
    }
  });
  if (!visibleLabel) return { element: h('div', {}, select, message.element) };
  return { element: h('div', { class: 'field' }, h('label', { for: id, class: 'h3' }, tx.purpose), select, h('p', { class: 'muted small' }, tx.purposeHint), message.element) };
}

function table(heads: string[], rows: HTMLElement[]): HTMLElement {
  // Focusable: on a phone the wider tables scroll sideways, and a keyboard must reach what is off screen.
  return h('div', { class: 'table-wrap', tabindex: 0 }, h('table', {}, h('thead', {}, h('tr', {}, ...heads.map((label) => h('th', { scope: 'col' }, label)))), h('tbody', {}, ...rows)));
}

function sharedSection(lists: SharedSuppressionList[]): HTMLElement {
  const tx = text();
  const purposeName = (purpose: string) => (tx.purposeNames as Record<string, string>)[purpose] ?? purpose;
  const rows = lists.map((list) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, list.name, h('br'), h('span', { class: 'muted small' }, tx.kinds[list.kind])),
      h('td', {}, list.purposes.map(purposeName).join(', ')),
      h('td', { class: 'small' }, list.legalSource),
      h('td', {}, formatNumber(list.entries)),
      h('td', {}, list.importedAt ? formatDateTime(list.importedAt) : h('span', { class: 'muted' }, tx.notImported)),
    ),
  );
  return h('section', { class: 'card', 'aria-label': tx.shared }, h('h2', { class: 'h2' }, tx.shared), table([tx.list, tx.purposes, tx.legal, tx.entries, tx.imported], rows));
}

/** The menu entry's label, in the console's language. */
export const suppressionNavLabel = (): string => text().title;

export function suppressionView(root: HTMLElement): () => void {
  const tx = text();
  let campaigns: CampaignView[] = [];
  let entries: SuppressionEntry[] = [];
  let next: string | null = null;
  const sharedSlot = h('div', {}, loadingBlock());
  const entriesSlot = h('div', {}, loadingBlock());
  const purposeSlot = h('div', {}, loadingBlock());
  const hoursSlot = h('div', {}, loadingBlock());

  const ids = { phones: uid('sup-phones'), source: uid('sup-source'), hint: uid('sup-hint'), campaign: uid('sup-campaign'), expires: uid('sup-expires') };
  const phones = h('textarea', { id: ids.phones, rows: 4, autocomplete: 'off', spellcheck: 'false' });
  const source = h('input', { id: ids.source, type: 'text', autocomplete: 'off', 'aria-describedby': ids.hint });
  const campaignSelect = h('select', { id: ids.campaign }, h('option', { value: '' }, tx.allCampaigns));
  const expires = h('input', { id: ids.expires, type: 'date' });
  const formMessage = inlineMessage({ phones, source, campaignId: campaignSelect, expiresAt: expires });
  const form = h(
    'form',
    { novalidate: true },
    h('div', { class: 'field' }, h('label', { for: ids.phones }, tx.phones), phones),
    h(
      'div',
      { class: 'form-row' },
      h('div', { class: 'field grow' }, h('label', { for: ids.source }, tx.source), source, h('span', { id: ids.hint, class: 'hint' }, tx.sourceHint)),
      h('div', { class: 'field' }, h('label', { for: ids.campaign }, tx.campaign), campaignSelect),
      h('div', { class: 'field' }, h('label', { for: ids.expires }, tx.expires), expires),
      h('div', { class: 'field' }, h('span', { class: 'label-spacer', 'aria-hidden': 'true' }, ' '), h('button', { type: 'submit', class: 'btn primary' }, tx.add)),
    ),
    formMessage.element,
  );

  replaceChildren(
    root,
    pageTitle(tx.title),
    h('p', { class: 'intro' }, tx.intro),
    sharedSlot,
    h('section', { class: 'card', 'aria-label': tx.own }, h('h2', { class: 'h2' }, tx.own), form, entriesSlot),
    h('section', { class: 'card', 'aria-label': tx.purposeTitle }, h('h2', { class: 'h2' }, tx.purposeTitle), h('p', { class: 'small' }, tx.purposeIntro), purposeSlot),
    hoursSlot,
  );

  const campaignName = (id: string | null) => (id === null ? tx.allCampaigns : (campaigns.find((campaign) => campaign.externalId === id)?.name ?? id));

  function entryRow(entry: SuppressionEntry): HTMLElement {
    const message = inlineMessage();
    const remove = h(
      'button',
      {
        type: 'button',
        class: 'btn danger small',
        onclick: async (event: Event) => {
          const button = event.currentTarget as HTMLButtonElement;
          if (!(await confirmDialog(tx.removeTitle, tx.removeBody, tx.remove, true))) return;
          button.disabled = true;
          try {
            await api.removeSuppression(entry.id);
            announce(tx.removed);
            await loadEntries();
          } catch (error) {
            if (error instanceof SessionEnded) return;
            button.disabled = false;
            message.error(errorText(error));
          }
        },
      },
      tx.remove,
    );
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, campaignName(entry.campaignId)),
      h('td', {}, entry.source),
      h('td', {}, entry.expiresAt ? formatDateTime(entry.expiresAt) : h('span', { class: 'muted' }, tx.noExpiry), entry.expired ? h('span', { class: 'tag tag-revoked' }, ` ${tx.expiredTag}`) : null),
      h('td', {}, entry.createdBy ?? '—', h('br'), h('span', { class: 'muted small' }, formatDateTime(entry.createdAt))),
      h('td', {}, remove, message.element),
    );
  }

  function renderEntries(): void {
    const more = next ? h('button', { type: 'button', class: 'btn secondary small', onclick: () => void loadEntries(true) }, tx.more) : null;
    replaceChildren(entriesSlot, entries.length === 0 ? h('p', { class: 'empty' }, tx.noEntries) : table([tx.campaign, tx.source, tx.expires, tx.addedBy, tx.actions], entries.map(entryRow)), more);
  }

  /** The tenant-wide list, then each campaign's: every entry the tenant has, a page at a time. */
  async function loadEntries(append = false): Promise<void> {
    try {
      if (!append) {
        const lists = await Promise.all([api.suppressionEntries(), ...campaigns.map((campaign) => api.suppressionEntries(campaign.externalId))]);
        entries = lists.flatMap((page) => page.entries);
        next = lists[0]?.next ?? null;
      } else if (next) {
        const page = await api.suppressionEntries(undefined, next);
        entries = [...entries, ...page.entries];
        next = page.next;
      }
      renderEntries();
    } catch (error) {
      if (!(error instanceof SessionEnded)) replaceChildren(entriesSlot, loadError(error, () => void loadEntries()));
    }
  }

  function renderPurposes(): void {
    const rows = campaigns.map((campaign) => h('tr', {}, h('th', { scope: 'row' }, campaign.name), h('td', {}, purposeControl(campaign, false).element)));
    replaceChildren(purposeSlot, table([tx.campaign, tx.purpose], rows));
  }

  async function load(): Promise<void> {
    try {
      const [lists, loadedCampaigns, hours] = await Promise.all([api.suppressionLists(), api.campaigns(), api.callingHours()]);
      campaigns = loadedCampaigns;
      replaceChildren(sharedSlot, sharedSection(lists));
      replaceChildren(hoursSlot, callingHoursSection(hours));
      replaceChildren(campaignSelect, h('option', { value: '' }, tx.allCampaigns), ...campaigns.map((campaign) => h('option', { value: campaign.externalId }, campaign.name)));
      renderPurposes();
      await loadEntries();
    } catch (error) {
      if (!(error instanceof SessionEnded)) replaceChildren(sharedSlot, loadError(error, () => void load()));
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formMessage.clear();
    const list = phones.value.split(/\r?\n/).map((phone) => phone.trim()).filter(Boolean);
    try {
      const result = await api.suppress({
        phones: list,
        source: source.value,
        ...(campaignSelect.value ? { campaignId: campaignSelect.value } : {}),
        // A date is the end of that day in Brasília (no daylight saving time since 2019).
        ...(expires.value ? { expiresAt: `${expires.value}T23:59:59-03:00` } : {}),
      });
      phones.value = '';
      const added = fill(tx.added, { count: result.added });
      // The refused phones are the admin's own input, shown back so they can be fixed (they were never stored).
      if (result.refused.length === 0) formMessage.ok(added);
      else formMessage.error(`${added} ${fill(tx.refused, { count: result.refused.length, list: result.refused.map((refusal) => `${list[refusal.at] ?? refusal.at} (${refusal.code})`).join(', ') })}`);
      await loadEntries();
    } catch (error) {
      if (!(error instanceof SessionEnded)) formMessage.error(errorText(error), error);
    }
  });

  void load();
  return () => undefined;
}
