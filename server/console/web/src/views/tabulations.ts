import type { OutcomeName, TabulationView } from '../../../../../plugin/contract/protocol';
import { api, SessionEnded } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { formatDateTime, lang, t } from '../i18n';
import { subscribe } from '../live';
import { announce, errorText, inlineMessage, loadError, loadingBlock, markInvalid, pageTitle } from '../ui';
import { actorName, loadPeople } from '../people';
import { codeProblem, confirmRuleChanges, outcomeLabel, type RuleChange, undoLastChange, USAGE_DAYS } from './ruleChanges';

const OUTCOMES: OutcomeName[] = ['invalid', 'contact', 'neutral', 'right_party', 'wrong_party'];
/** What identifies a version of the map, to tell another admin's change from our own echoed back. */
const signature = (list: TabulationView[]) => list.map((e) => `${e.code}|${e.outcome}|${e.source}|${e.updatedAt ?? ''}`).join('\n');
const describe = (entry: TabulationView) => (lang() === 'pt-BR' ? (entry.descriptionPtBr ?? entry.description) : entry.description) ?? '';

function outcomeSelect(attrs: Record<string, string>, value: OutcomeName): HTMLSelectElement {
  // Right/wrong party come from the dialer's contact data; a code already mapped to one keeps it as a choice.
  const choices = OUTCOMES.includes(value) ? OUTCOMES : [...OUTCOMES, value];
  const select = h('select', attrs, ...choices.map((outcome) => h('option', { value: outcome }, outcomeLabel(outcome))));
  select.value = value;
  return select;
}

/**
 * The tenant's tabulation map. Nothing saves on change: a changed select is a pending change, and "Salvar" shows
 * what changes and how many recent tabulations each change would have counted differently before anything is
 * sent. A customized code has "Desfazer" (its previous rule, from the audit log).
 */
export function tabulationsView(root: HTMLElement): () => void {
  let entries: TabulationView[] = [];
  let usage = new Map<string, number>();
  const drafts = new Map<string, OutcomeName>();
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
  const pendingText = h('span', { class: 'pending-text' });
  const saveMessage = inlineMessage();
  /** The code whose change the server refused: its select is marked invalid and described by the save message. */
  let refusedCode: string | null = null;
  const saveBar = h(
    'div',
    { class: 'save-bar', role: 'region', 'aria-label': t('saveChanges'), hidden: true },
    pendingText,
    h('button', { type: 'button', class: 'btn secondary', onclick: () => discard() }, t('discardChanges')),
    h('button', { type: 'button', class: 'btn primary', onclick: () => void saveDrafts() }, t('saveChanges')),
    saveMessage.element,
  );

  const newCodeId = uid('new-code');
  const newCodeHintId = uid('new-code-hint');
  const newCodeErrorId = uid('new-code-error');
  const newOutcomeId = uid('new-outcome');
  const newCode = h('input', { id: newCodeId, type: 'text', autocomplete: 'off', 'aria-describedby': `${newCodeHintId} ${newCodeErrorId}` });
  const newCodeError = h('span', { id: newCodeErrorId, class: 'field-error', hidden: true });
  const newOutcome = outcomeSelect({ id: newOutcomeId }, 'invalid');
  const addMessage = inlineMessage();
  const addForm = h(
    'form',
    { class: 'card add-code', novalidate: true },
    h('h2', { class: 'h3' }, t('addCode')),
    h(
      'div',
      { class: 'form-row' },
      h('div', { class: 'field grow' }, h('label', { for: newCodeId }, t('newCode')), newCode, h('span', { id: newCodeHintId, class: 'hint' }, t('newCodeHint')), newCodeError),
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
      saveBar,
      listSlot,
    ),
  );

  const byCode = () => new Map(entries.map((entry) => [entry.code, entry]));

  function updateSaveBar(): void {
    saveBar.hidden = drafts.size === 0;
    pendingText.textContent = t('pendingChanges', { count: drafts.size });
  }

  function discard(): void {
    drafts.clear();
    refusedCode = null;
    saveMessage.clear();
    render();
  }

  /** Sends confirmed changes one by one; a refused one keeps its draft and says why. */
  async function apply(changes: RuleChange[]): Promise<boolean> {
    savingCodes++;
    refusedCode = null;
    let sending: RuleChange | undefined;
    try {
      for (const change of changes) {
        sending = change;
        if (change.to === null) await api.revertTabulation(change.label);
        else await api.setTabulation(change.label, change.to);
        drafts.delete(change.code);
      }
      return true;
    } catch (error) {
      if (!(error instanceof SessionEnded)) {
        refusedCode = sending?.code ?? null;
        saveMessage.error(errorText(error));
      }
      return false;
    } finally {
      await reload().catch(() => undefined);
      savingCodes--;
    }
  }

  async function saveDrafts(): Promise<void> {
    saveMessage.clear();
    const map = byCode();
    const changes: RuleChange[] = [...drafts].map(([code, to]) => ({ code, label: map.get(code)?.label ?? code, from: map.get(code)?.outcome ?? null, to }));
    if (changes.length === 0 || !(await confirmRuleChanges(changes, map))) return;
    if (await apply(changes)) {
      announce(`${changes.map((c) => `${c.label}: ${outcomeLabel(c.to)}`).join('; ')}. ${t('saved')}`);
      saveMessage.ok(t('saved'));
      saveBar.hidden = false;
    }
  }

  function row(entry: TabulationView): HTMLElement {
    const message = inlineMessage();
    const select = outcomeSelect({ 'aria-label': t('outcomeOf', { code: entry.label }) }, drafts.get(entry.code) ?? entry.outcome);
    if (refusedCode === entry.code && drafts.has(entry.code)) markInvalid([select], saveMessage.element.id, true);
    const pendingTag = h('span', { class: 'tag tag-pending', hidden: !drafts.has(entry.code) }, t('pendingChanges', { count: 1 }));
    select.addEventListener('change', () => {
      if (refusedCode === entry.code) markInvalid([select], saveMessage.element.id, false);
      const wanted = select.value as OutcomeName;
      if (wanted === entry.outcome) drafts.delete(entry.code);
      else drafts.set(entry.code, wanted);
      pendingTag.hidden = !drafts.has(entry.code);
      element.classList.toggle('pending', drafts.has(entry.code));
      updateSaveBar();
    });
    const actions = h('td', { class: 'actions' });
    if (entry.source === 'tenant') {
      const custom = !entry.defaultOutcome;
      const revert = h(
        'button',
        {
          type: 'button',
          class: 'btn secondary small',
          'aria-label': custom ? t('removeOf', { code: entry.label }) : t('revertOf', { code: entry.label }),
          onclick: async () => {
            message.clear();
            const change: RuleChange = { code: entry.code, label: entry.label, from: entry.outcome, to: null };
            if (!(await confirmRuleChanges([change], byCode()))) return;
            if (await apply([change])) announce(`${entry.label}: ${custom ? t('remove') : t('revert')}. ${t('saved')}`);
          },
        },
        custom ? t('remove') : t('revert'),
      );
      const undo = h(
        'button',
        {
          type: 'button',
          class: 'btn secondary small',
          'aria-label': t('undoOf', { code: entry.label }),
          onclick: async (event: Event) => {
            const button = event.currentTarget as HTMLButtonElement;
            button.disabled = true;
            message.clear();
            savingCodes++;
            try {
              const restored = await undoLastChange(entry);
              drafts.delete(entry.code);
              await reload();
              const text = t('undone', { code: entry.label, outcome: outcomeLabel(restored) });
              announce(text);
              saveMessage.ok(text);
              saveBar.hidden = false;
            } catch (error) {
              if (error instanceof SessionEnded) return;
              button.disabled = false;
              message.error(errorText(error));
            } finally {
              savingCodes--;
            }
          },
        },
        t('undo'),
      );
      actions.append(undo, ' ', revert);
    }
    const origin =
      entry.source === 'tenant'
        ? h(
            'span',
            {},
            h('span', { class: 'tag tag-custom' }, t('sourceTenant')),
            ' ',
            h('span', { class: 'muted small' }, entry.updatedBy && entry.updatedAt ? t('customizedBy', { actor: actorName(entry.updatedBy), at: formatDateTime(entry.updatedAt) }) : ''),
            entry.defaultOutcome ? h('span', { class: 'muted small' }, ` (${t('defaultWas', { outcome: outcomeLabel(entry.defaultOutcome) })})`) : null,
          )
        : h('span', { class: 'tag' }, t('sourceDefault'));
    const calls = usage.get(entry.code) ?? 0;
    const element = h(
      'tr',
      { 'data-code': entry.code, class: drafts.has(entry.code) ? 'pending' : null },
      h('th', { scope: 'row' }, h('code', {}, entry.label)),
      h('td', {}, describe(entry)),
      h('td', {}, select, ' ', pendingTag, message.element),
      h('td', { class: 'num' }, calls ? t('recentUse', { calls, days: USAGE_DAYS }) : '0'),
      h('td', {}, origin),
      actions,
    );
    return element;
  }

  function render(): void {
    const query = search.value.trim().toLowerCase();
    const visible = entries.filter(
      (entry) =>
        (!query || entry.label.toLowerCase().includes(query) || entry.code.includes(query) || describe(entry).toLowerCase().includes(query)) &&
        (!outcomeFilter.value || entry.outcome === outcomeFilter.value) &&
        (!sourceFilter.value || entry.source === sourceFilter.value),
    );
    shown.textContent = t('shown', { count: visible.length, total: entries.length });
    const heads = [t('code'), t('description'), t('outcome'), t('colRecentUse'), t('source'), t('actions')];
    replaceChildren(listSlot, h('div', { class: 'table-wrap' }, h('table', { class: 'tabulations' }, h('thead', {}, h('tr', {}, ...heads.map((label) => h('th', { scope: 'col' }, label)))), h('tbody', {}, ...visible.map(row)))));
    updateSaveBar();
  }

  async function reload(): Promise<void> {
    const [list, counts] = await Promise.all([api.tabulations(), api.tabulationUsage(USAGE_DAYS).catch(() => null), loadPeople()]);
    entries = list;
    if (counts) usage = new Map(counts.usage.map((entry) => [entry.code, entry.calls]));
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
  newCode.addEventListener('input', () => {
    newCodeError.hidden = true;
    newCode.removeAttribute('aria-invalid');
  });
  addForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    addMessage.clear();
    const label = newCode.value.trim();
    const problem = codeProblem(label);
    if (problem) {
      newCodeError.textContent = `${t('field_code')}: ${problem}`;
      newCodeError.hidden = false;
      newCode.setAttribute('aria-invalid', 'true');
      newCode.focus();
      return;
    }
    const existing = entries.find((entry) => entry.label.toLowerCase() === label.toLowerCase() || entry.code === label.toLowerCase());
    const change: RuleChange = { code: existing?.code ?? label.toLowerCase(), label: existing?.label ?? label, from: existing?.outcome ?? null, to: newOutcome.value as OutcomeName };
    // A new code changes nothing already counted; re-mapping an existing one goes through the summary like any change.
    if (existing && !(await confirmRuleChanges([change], byCode()))) return;
    savingCodes++;
    try {
      const saved = await api.setTabulation(label, change.to!);
      newCode.value = '';
      await reload();
      addMessage.ok(`${saved.label}: ${outcomeLabel(saved.outcome)}. ${t('saved')}`);
    } catch (error) {
      if (error instanceof SessionEnded) return;
      const text = errorText(error);
      newCodeError.textContent = text;
      newCodeError.hidden = false;
      newCode.setAttribute('aria-invalid', 'true');
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
