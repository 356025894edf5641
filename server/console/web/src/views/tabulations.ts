import type { OutcomeName, TabulationView } from '../../../../../plugin/contract/protocol';
import { api, SessionEnded } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { formatDateTime, t } from '../i18n';
import { subscribe } from '../live';
import { announce, errorText, inlineMessage, loadError, loadingBlock, pageTitle } from '../ui';

const OUTCOMES: OutcomeName[] = ['invalid', 'contact', 'neutral'];
const outcomeLabel = (outcome: OutcomeName) => t(`outcome_${outcome}` as const);
/** What identifies a version of the map, to tell another admin's change from our own echoed back. */
const signature = (list: TabulationView[]) => list.map((e) => `${e.code}|${e.outcome}|${e.source}|${e.updatedAt ?? ''}`).join('\n');

function outcomeSelect(attrs: Record<string, string>, value: OutcomeName): HTMLSelectElement {
  const select = h('select', attrs, ...OUTCOMES.map((outcome) => h('option', { value: outcome }, outcomeLabel(outcome))));
  select.value = value;
  return select;
}

/** The tenant's tabulation map: search and filter, change an outcome, add a code of its own, revert to default. */
export function tabulationsView(root: HTMLElement): () => void {
  let entries: TabulationView[] = [];
  let savingCodes = 0;
  const searchId = uid('search');
  const outcomeId = uid('outcome-filter');
  const sourceId = uid('source-filter');
  const search = h('input', { id: searchId, type: 'search', autocomplete: 'off' });
  const outcomeFilter = h('select', { id: outcomeId }, h('option', { value: '' }, t('all')), ...OUTCOMES.map((o) => h('option', { value: o }, outcomeLabel(o))));
  const sourceFilter = h('select', { id: sourceId }, h('option', { value: '' }, t('all')), h('option', { value: 'default' }, t('sourceDefault')), h('option', { value: 'tenant' }, t('sourceTenant')));
  const shown = h('p', { class: 'muted small', role: 'status' });
  const listSlot = h('div', {}, loadingBlock());
  const refreshNote = h('p', { class: 'inline-msg ok', role: 'status', hidden: true });

  const newCodeId = uid('new-code');
  const newCodeHintId = uid('new-code-hint');
  const newOutcomeId = uid('new-outcome');
  const newCode = h('input', { id: newCodeId, type: 'text', autocomplete: 'off', 'aria-describedby': newCodeHintId });
  const newOutcome = outcomeSelect({ id: newOutcomeId }, 'invalid');
  const addMessage = inlineMessage();
  const addForm = h(
    'form',
    { class: 'card add-code', novalidate: true },
    h('h2', { class: 'h3' }, t('addCode')),
    h(
      'div',
      { class: 'form-row' },
      h('div', { class: 'field grow' }, h('label', { for: newCodeId }, t('newCode')), newCode, h('span', { id: newCodeHintId, class: 'hint' }, t('newCodeHint'))),
      h('div', { class: 'field' }, h('label', { for: newOutcomeId }, t('outcome')), newOutcome),
      h('div', { class: 'field' }, h('span', { class: 'label-spacer', 'aria-hidden': 'true' }, ' '), h('button', { type: 'submit', class: 'btn primary' }, t('add'))),
    ),
    addMessage.element,
  );

  replaceChildren(
    root,
    pageTitle(t('tabulationsTitle')),
    h('p', { class: 'intro' }, t('tabulationsIntro')),
    addForm,
    h(
      'section',
      { class: 'card', 'aria-label': t('tabulationsTitle') },
      h(
        'div',
        { class: 'form-row filters', role: 'search' },
        h('div', { class: 'field grow' }, h('label', { for: searchId }, t('search')), search),
        h('div', { class: 'field' }, h('label', { for: outcomeId }, t('outcomeFilter')), outcomeFilter),
        h('div', { class: 'field' }, h('label', { for: sourceId }, t('sourceFilter')), sourceFilter),
      ),
      shown,
      refreshNote,
      listSlot,
    ),
  );

  function row(entry: TabulationView): HTMLElement {
    const message = inlineMessage();
    const select = outcomeSelect({ 'aria-label': t('outcomeOf', { code: entry.label }) }, entry.outcome);
    select.addEventListener('change', async () => {
      const wanted = select.value as OutcomeName;
      message.clear();
      select.disabled = true;
      savingCodes++;
      try {
        const saved = await api.setTabulation(entry.label, wanted);
        replace(entry.code, { ...entry, ...saved, description: entry.description, defaultOutcome: entry.defaultOutcome });
        render();
        focusRow(entry.code, 'select');
        announce(`${entry.label}: ${outcomeLabel(wanted)}. ${t('saved')}`);
      } catch (error) {
        if (error instanceof SessionEnded) return;
        select.value = entry.outcome;
        select.disabled = false;
        message.error(errorText(error));
      } finally {
        savingCodes--;
      }
    });
    const actions = h('td', {});
    if (entry.source === 'tenant') {
      const custom = !entry.defaultOutcome;
      actions.append(
        h(
          'button',
          {
            type: 'button',
            class: 'btn secondary small',
            'aria-label': custom ? t('removeOf', { code: entry.label }) : t('revertOf', { code: entry.label }),
            onclick: async (event: Event) => {
              const button = event.currentTarget as HTMLButtonElement;
              button.disabled = true;
              message.clear();
              savingCodes++;
              try {
                await api.revertTabulation(entry.label);
                await reload();
                announce(`${entry.label}: ${custom ? t('remove') : t('revert')}. ${t('saved')}`);
              } catch (error) {
                if (error instanceof SessionEnded) return;
                button.disabled = false;
                message.error(errorText(error));
              } finally {
                savingCodes--;
              }
            },
          },
          custom ? t('remove') : t('revert'),
        ),
      );
    }
    const origin =
      entry.source === 'tenant'
        ? h('span', {}, h('span', { class: 'tag tag-custom' }, t('sourceTenant')), ' ', h('span', { class: 'muted small' }, entry.updatedBy && entry.updatedAt ? t('customizedBy', { actor: entry.updatedBy, at: formatDateTime(entry.updatedAt) }) : ''), entry.defaultOutcome ? h('span', { class: 'muted small' }, ` (${t('defaultWas', { outcome: outcomeLabel(entry.defaultOutcome) })})`) : null)
        : h('span', { class: 'tag' }, t('sourceDefault'));
    return h('tr', { 'data-code': entry.code }, h('th', { scope: 'row' }, h('code', {}, entry.label)), h('td', {}, entry.description ?? ''), h('td', {}, select, message.element), h('td', {}, origin), actions);
  }

  function replace(code: string, next: TabulationView): void {
    const index = entries.findIndex((entry) => entry.code === code);
    if (index >= 0) entries[index] = next;
    else entries.push(next);
  }

  function focusRow(code: string, selector: string): void {
    listSlot.querySelector<HTMLElement>(`tr[data-code="${CSS.escape(code)}"] ${selector}`)?.focus();
  }

  function render(): void {
    const query = search.value.trim().toLowerCase();
    const visible = entries.filter(
      (entry) =>
        (!query || entry.label.toLowerCase().includes(query) || entry.code.includes(query) || (entry.description ?? '').toLowerCase().includes(query)) &&
        (!outcomeFilter.value || entry.outcome === outcomeFilter.value) &&
        (!sourceFilter.value || entry.source === sourceFilter.value),
    );
    shown.textContent = t('shown', { count: visible.length, total: entries.length });
    const heads = [t('code'), t('description'), t('outcome'), t('source'), t('actions')];
    replaceChildren(listSlot, h('div', { class: 'table-wrap' }, h('table', { class: 'tabulations' }, h('thead', {}, h('tr', {}, ...heads.map((label) => h('th', { scope: 'col' }, label)))), h('tbody', {}, ...visible.map(row)))));
  }

  async function reload(): Promise<void> {
    entries = await api.tabulations();
    render();
  }

  async function load(): Promise<void> {
    try {
      await reload();
    } catch (error) {
      if (!(error instanceof SessionEnded)) replaceChildren(listSlot, loadError(error, () => void load()));
    }
  }

  search.addEventListener('input', render);
  outcomeFilter.addEventListener('change', render);
  sourceFilter.addEventListener('change', render);
  addForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    addMessage.clear();
    const code = newCode.value.trim();
    if (!code) {
      addMessage.error(t('codeRequired'));
      newCode.focus();
      return;
    }
    savingCodes++;
    try {
      const saved = await api.setTabulation(code, newOutcome.value as OutcomeName);
      newCode.value = '';
      await reload();
      addMessage.ok(`${saved.label}: ${outcomeLabel(saved.outcome)}. ${t('saved')}`);
    } catch (error) {
      if (!(error instanceof SessionEnded)) addMessage.error(errorText(error));
    } finally {
      savingCodes--;
    }
  });

  const unsubscribe = subscribe({
    tabulations() {
      // Our own saves also come back as events; only another admin's change needs a refresh and a note.
      if (savingCodes > 0) return;
      void api.tabulations().then((next) => {
        if (signature(next) === signature(entries)) return;
        entries = next;
        render();
        refreshNote.textContent = t('tabulationsChanged');
        refreshNote.hidden = false;
      }, () => undefined);
    },
    resync: () => void load(),
  });

  void load();
  return unsubscribe;
}
