import type { ComplianceCnpjView } from '../../../../../plugin/contract/protocol';
import { api, ApiError, SessionEnded } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { formatDateTime, lang, fill } from '../i18n';
import { announce, confirmDialog, errorText, inlineMessage, loadError, loadingBlock, serverPhrase } from '../ui';

/**
 * The tenant's CNPJs and their access codes (the trunk numbers Anatel counts per code), on the "Conformidade Anatel"
 * screen: register, edit, remove (PUT/DELETE /v1/compliance/cnpjs/:cnpj; both audited). The server checks the CNPJ's
 * digits and the codes; its English errors are said next to their field in the console's language.
 */
const TEXT = {
  'pt-BR': {
    title: 'CNPJs e códigos de acesso',
    intro: 'Cadastre cada CNPJ que disca com os seus códigos de acesso (os números de origem das chamadas): o painel acima conta as chamadas curtas por eles.',
    cnpj: 'CNPJ',
    name: 'Razão social',
    codes: 'Códigos de acesso (um por linha)',
    codesHead: 'Códigos de acesso',
    campaigns: 'Campanhas',
    since: 'Cadastrado em',
    actions: 'Ações',
    save: 'Salvar CNPJ',
    cancel: 'Cancelar edição',
    edit: 'Editar',
    editOf: 'Editar CNPJ {cnpj}',
    remove: 'Remover',
    removeOf: 'Remover CNPJ {cnpj}',
    removeTitle: 'Remover o CNPJ {cnpj}?',
    removeBody: 'Os códigos de acesso dele deixam de ser contados como deste CNPJ; os dias já contados continuam no histórico.',
    saved: 'CNPJ {cnpj} salvo.',
    removed: 'CNPJ {cnpj} removido.',
    empty: 'Nenhum CNPJ cadastrado.',
    none: '—',
    required: 'é obrigatório',
    badCnpj: 'deve ser um CNPJ válido (14 dígitos com os dígitos verificadores corretos)',
    badCode: '"{code}" deve ter de 3 a 20 dígitos',
    tooLong: 'deve ter no máximo {n} caracteres',
    taken: '{code} já é código de acesso do CNPJ {other}; remova-o de lá primeiro',
  },
  en: {
    title: 'CNPJs and access codes',
    intro: 'Register each CNPJ that dials with its access codes (the numbers calls come from): the meter above counts short calls by them.',
    cnpj: 'CNPJ',
    name: 'Company name',
    codes: 'Access codes (one per line)',
    codesHead: 'Access codes',
    campaigns: 'Campaigns',
    since: 'Registered',
    actions: 'Actions',
    save: 'Save CNPJ',
    cancel: 'Cancel editing',
    edit: 'Edit',
    editOf: 'Edit CNPJ {cnpj}',
    remove: 'Remove',
    removeOf: 'Remove CNPJ {cnpj}',
    removeTitle: 'Remove CNPJ {cnpj}?',
    removeBody: 'Its access codes stop counting for this CNPJ; the days already counted stay in the history.',
    saved: 'CNPJ {cnpj} saved.',
    removed: 'CNPJ {cnpj} removed.',
    empty: 'No CNPJ registered.',
    none: '—',
    required: 'is required',
    badCnpj: 'must be a valid CNPJ (14 digits with matching check digits)',
    badCode: '"{code}" must have 3 to 20 digits',
    tooLong: 'must be at most {n} characters',
    taken: '{code} is already an access code of CNPJ {other}; remove it there first',
  },
} as const;

type Text = (typeof TEXT)['pt-BR'];
const text = (): Text => TEXT[lang() === 'en' ? 'en' : 'pt-BR'] as Text;
export const formatCnpj = (digits: string) => digits.replace(/^(\d{2})(\d{3})(\d{3})(\d{4})(\d{2})$/, '$1.$2.$3/$4-$5');

type FieldName = 'cnpj' | 'name' | 'codes';

/** The section; `changed` lets the meter above re-read after a CNPJ was saved or removed. */
export function complianceRegistry(changed: () => void): HTMLElement {
  const tx = text();
  const ids = { cnpj: uid('cnpj'), name: uid('cnpj-name'), codes: uid('cnpj-codes') };
  const inputs = {
    cnpj: h('input', { id: ids.cnpj, type: 'text', inputmode: 'numeric', autocomplete: 'off', placeholder: '00.000.000/0000-00' }),
    name: h('input', { id: ids.name, type: 'text', autocomplete: 'organization' }),
    codes: h('textarea', { id: ids.codes, rows: 3, autocomplete: 'off', spellcheck: 'false' }),
  };
  const messages = { cnpj: inlineMessage({ cnpj: inputs.cnpj }), name: inlineMessage({ name: inputs.name }), codes: inlineMessage({ codes: inputs.codes }) };
  const formMessage = inlineMessage(inputs);
  const cancel = h('button', { type: 'button', class: 'btn secondary', hidden: true, onclick: () => startEdit(null) }, tx.cancel);
  const field = (name: FieldName, label: string, grow = false) =>
    h('div', { class: grow ? 'field grow' : 'field' }, h('label', { for: ids[name] }, label), inputs[name], messages[name].element);
  const form = h(
    'form',
    { novalidate: true, 'aria-label': tx.title },
    h('div', { class: 'form-row' }, field('cnpj', tx.cnpj), field('name', tx.name, true)),
    field('codes', tx.codes),
    h('div', { class: 'form-row' }, h('button', { type: 'submit', class: 'btn primary' }, tx.save), cancel),
    formMessage.element,
  );
  const listSlot = h('div', {}, loadingBlock());

  const codesOf = () => inputs.codes.value.split(/[\r\n,;]+/).map((code) => code.trim()).filter(Boolean);
  const clearMessages = () => {
    formMessage.clear();
    for (const message of Object.values(messages)) message.clear();
  };
  const fieldError = (name: FieldName, message: string) => {
    const label = name === 'codes' ? tx.codesHead : name === 'cnpj' ? tx.cnpj : tx.name;
    messages[name].error(`${label}: ${message}`, name);
    inputs[name].focus();
  };

  /** The server's refusal next to its field, in the console's language; the original text when not known. */
  function showError(error: unknown, codes: string[]): void {
    if (!(error instanceof ApiError) || !error.field) {
      formMessage.error(errorText(error), error);
      return;
    }
    const [head, index] = error.field.split('.');
    const message = error.message.replace(new RegExp(`^${error.field.replace('.', '\\.')}: `), '');
    const taken = message.match(/^(\d+) is already an access code of CNPJ (\d+)/);
    if (head === 'cnpj') fieldError('cnpj', /valid CNPJ/.test(message) ? tx.badCnpj : serverPhrase(error));
    else if (head === 'name') fieldError('name', nameProblem(message, error));
    else if (head === 'accessCodes' && taken) fieldError('codes', fill(tx.taken, { code: taken[1]!, other: formatCnpj(taken[2]!) }));
    else if (head === 'accessCodes' && index !== undefined && /access code digits/.test(message)) fieldError('codes', fill(tx.badCode, { code: codes[Number(index)] ?? '' }));
    else if (head === 'accessCodes') fieldError('codes', serverPhrase(error));
    else formMessage.error(errorText(error), error);
  }

  const nameProblem = (message: string, error: ApiError) => {
    const tooLong = message.match(/at most (\d+)/);
    if (tooLong) return fill(tx.tooLong, { n: tooLong[1]! });
    return /empty|required|expected string/.test(message) ? tx.required : serverPhrase(error);
  };

  let editing: string | null = null;
  function startEdit(row: ComplianceCnpjView | null): void {
    clearMessages();
    editing = row?.cnpj ?? null;
    inputs.cnpj.value = row ? formatCnpj(row.cnpj) : '';
    inputs.cnpj.readOnly = row !== null;
    inputs.name.value = row?.name ?? '';
    inputs.codes.value = row?.accessCodes.join('\n') ?? '';
    cancel.hidden = row === null;
    (row ? inputs.name : inputs.cnpj).focus();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    const cnpj = editing ?? inputs.cnpj.value.trim();
    if (!cnpj) return fieldError('cnpj', tx.required);
    const codes = codesOf();
    try {
      const saved = await api.putCnpj(cnpj, { name: inputs.name.value, accessCodes: codes });
      startEdit(null);
      const done = fill(tx.saved, { cnpj: formatCnpj(saved.cnpj) });
      formMessage.ok(done);
      announce(done);
      await load();
      changed();
    } catch (error) {
      if (!(error instanceof SessionEnded)) showError(error, codes);
    }
  });

  function row(entry: ComplianceCnpjView): HTMLElement {
    const shown = formatCnpj(entry.cnpj);
    const message = inlineMessage();
    const remove = async () => {
      if (!(await confirmDialog(fill(tx.removeTitle, { cnpj: shown }), tx.removeBody, tx.remove, true))) return;
      try {
        await api.removeCnpj(entry.cnpj);
        if (editing === entry.cnpj) startEdit(null);
        const done = fill(tx.removed, { cnpj: shown });
        formMessage.ok(done);
        announce(done);
        await load();
        changed();
      } catch (error) {
        if (!(error instanceof SessionEnded)) message.error(errorText(error));
      }
    };
    return h(
      'tr',
      { 'data-cnpj': entry.cnpj },
      h('th', { scope: 'row' }, shown),
      h('td', { 'data-label': tx.name }, entry.name),
      h('td', { 'data-label': tx.codesHead }, entry.accessCodes.join(', ') || tx.none),
      h('td', { 'data-label': tx.campaigns }, entry.campaigns.join(', ') || tx.none),
      h('td', { 'data-label': tx.since }, formatDateTime(entry.createdAt)),
      h(
        'td',
        { 'data-label': tx.actions },
        h('button', { type: 'button', class: 'btn secondary small', 'aria-label': fill(tx.editOf, { cnpj: shown }), onclick: () => startEdit(entry) }, tx.edit),
        ' ',
        h('button', { type: 'button', class: 'btn danger small', 'aria-label': fill(tx.removeOf, { cnpj: shown }), onclick: () => void remove() }, tx.remove),
        message.element,
      ),
    );
  }

  async function load(): Promise<void> {
    try {
      const cnpjs = await api.complianceCnpjs();
      const heads = [tx.cnpj, tx.name, tx.codesHead, tx.campaigns, tx.since, tx.actions];
      replaceChildren(
        listSlot,
        cnpjs.length === 0
          ? h('p', { class: 'empty' }, tx.empty)
          : h('div', { class: 'table-wrap' }, h('table', { class: 'stack' }, h('thead', {}, h('tr', {}, ...heads.map((label) => h('th', { scope: 'col' }, label)))), h('tbody', {}, ...cnpjs.map(row)))),
      );
    } catch (error) {
      if (!(error instanceof SessionEnded)) replaceChildren(listSlot, loadError(error, () => void load()));
    }
  }

  void load();
  return h('section', { class: 'card', 'aria-labelledby': 'cnpj-registry-title' }, h('h2', { class: 'h2', id: 'cnpj-registry-title' }, tx.title), h('p', { class: 'small' }, tx.intro), form, listSlot);
}
