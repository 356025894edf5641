import { api, ApiError, SessionEnded, type CallingHoursRow } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { lang, fill } from '../i18n';
import { announce, errorText, inlineMessage, serverPhrase } from '../ui';

/**
 * Calling hours per state (docs/compliance.md): the table of what is in force, and a form that sets a state's (or
 * BR's) hours or restores the preset (PUT /v1/calling-hours/:scope). Part of "Listas de supressão"; its texts live
 * here in both languages, like the screen's. The server validates the times; its errors are said next to the field.
 */
const TEXT = {
  'pt-BR': {
    hoursTitle: 'Horários permitidos (horário local de cada estado)',
    hoursIntro: 'Na verificação antes da discagem, um número fora do horário do seu estado (pelo DDD) responde "fora do horário permitido" com o próximo horário.',
    scope: 'Estado',
    weekdays: 'Seg–sex',
    saturday: 'Sábado',
    sunday: 'Domingo',
    closed: 'fechado',
    source: 'Origem',
    fromTenant: 'ajustado pelo cliente',
    editTitle: 'Alterar horários',
    editIntro: 'Escolha o estado (ou BR para o país todo), ajuste os horários no formato HH:MM e salve. "Restaurar padrão" volta ao horário legal.',
    start: '{day}: início',
    end: '{day}: fim',
    closedDay: '{day}: sem ligações',
    save: 'Salvar horários',
    reset: 'Restaurar padrão',
    saved: 'Horários de {scope} salvos.',
    restored: 'Horários de {scope} voltaram ao padrão.',
    badTime: 'deve estar no formato HH:MM (00:00 a 24:00)',
    startAfterEnd: 'o início deve ser antes do fim',
  },
  en: {
    hoursTitle: "Calling hours (each state's local time)",
    hoursIntro: 'At the dial-time check, a number outside its state\'s hours (by DDD) answers "outside calling hours" with the next allowed time.',
    scope: 'State',
    weekdays: 'Mon–Fri',
    saturday: 'Saturday',
    sunday: 'Sunday',
    closed: 'closed',
    source: 'Source',
    fromTenant: 'set by the tenant',
    editTitle: 'Change calling hours',
    editIntro: 'Pick the state (or BR for the whole country), set the hours as HH:MM and save. "Restore default" goes back to the legal hours.',
    start: '{day}: start',
    end: '{day}: end',
    closedDay: '{day}: no calls',
    save: 'Save hours',
    reset: 'Restore default',
    saved: 'Hours of {scope} saved.',
    restored: 'Hours of {scope} are back to the default.',
    badTime: 'must be "HH:MM" (00:00 to 24:00)',
    startAfterEnd: 'start must be before end',
  },
} as const;

type Text = (typeof TEXT)['pt-BR'];
const text = (): Text => TEXT[lang() === 'en' ? 'en' : 'pt-BR'] as Text;
const DAYS = ['weekdays', 'saturday', 'sunday'] as const;
type Day = (typeof DAYS)[number];
type DayWindow = CallingHoursRow['windows'][Day];

function hoursTable(hours: CallingHoursRow[]): HTMLElement {
  const tx = text();
  const show = (window: DayWindow) => (window ? `${window.start}–${window.end}` : tx.closed);
  // Every state has a row; only BR, the tenant's own and presets with a source of their own are worth a line.
  const rows = hours
    .filter((row) => row.scope === 'BR' || row.from === 'tenant' || (row.presetSource !== null && row.presetSource !== 'as BR'))
    .map((row) =>
      h(
        'tr',
        { 'data-scope': row.scope },
        h('th', { scope: 'row' }, row.scope),
        ...DAYS.map((day) => h('td', { 'data-label': tx[day] }, show(row.windows[day]))),
        h('td', { class: 'small', 'data-label': tx.source }, row.from === 'tenant' ? tx.fromTenant : (row.presetSource ?? '')),
      ),
    );
  const heads = [tx.scope, tx.weekdays, tx.saturday, tx.sunday, tx.source];
  return h('div', { class: 'table-wrap' }, h('table', { class: 'stack' }, h('thead', {}, h('tr', {}, ...heads.map((label) => h('th', { scope: 'col' }, label)))), h('tbody', {}, ...rows)));
}

/** One day's inputs: start, end and "no calls", with a message slot for the server's word on them. */
function dayFields(day: Day) {
  const tx = text();
  const ids = { start: uid(`hours-${day}-start`), end: uid(`hours-${day}-end`), closed: uid(`hours-${day}-closed`) };
  const input = (id: string) => h('input', { id, type: 'text', inputmode: 'numeric', autocomplete: 'off', placeholder: 'HH:MM', size: 6, maxlength: 5 });
  const start = input(ids.start);
  const end = input(ids.end);
  const closed = h('input', { id: ids.closed, type: 'checkbox' });
  const message = inlineMessage({ start, end });
  closed.addEventListener('change', () => {
    start.disabled = closed.checked;
    end.disabled = closed.checked;
  });
  const name = tx[day];
  const element = h(
    'fieldset',
    { class: 'form-row hours-day' },
    h('legend', {}, name),
    h('div', { class: 'field' }, h('label', { for: ids.start }, fill(tx.start, { day: name })), start),
    h('div', { class: 'field' }, h('label', { for: ids.end }, fill(tx.end, { day: name })), end),
    h('label', { for: ids.closed, class: 'check-label' }, closed, fill(tx.closedDay, { day: name })),
    message.element,
  );
  return {
    element,
    message,
    set(window: DayWindow): void {
      closed.checked = window === null;
      start.value = window?.start ?? '';
      end.value = window?.end ?? '';
      start.disabled = end.disabled = window === null;
    },
    value: (): DayWindow => (closed.checked ? null : { start: start.value.trim(), end: end.value.trim() }),
  };
}

/** The section: what is in force, and the form that changes it; after a change the table is read again. */
export function callingHoursSection(initial: CallingHoursRow[]): HTMLElement {
  const tx = text();
  let hours = initial;
  const tableSlot = h('div', {}, hoursTable(hours));
  const scopeId = uid('hours-scope');
  const scope = h('select', { id: scopeId, class: 'narrow' }, ...hours.map((row) => h('option', { value: row.scope }, row.scope)));
  const days = { weekdays: dayFields('weekdays'), saturday: dayFields('saturday'), sunday: dayFields('sunday') };
  const formMessage = inlineMessage({ scope });
  const fill_ = () => {
    const row = hours.find((candidate) => candidate.scope === scope.value);
    if (row) for (const day of DAYS) days[day].set(row.windows[day]);
  };
  scope.addEventListener('change', fill_);

  const clearMessages = () => {
    formMessage.clear();
    for (const day of DAYS) days[day].message.clear();
  };
  /** A day's field error next to that day; anything else under the form. */
  const showError = (error: unknown) => {
    if (error instanceof ApiError && error.code === 'VALIDATION_FAILED') {
      const path = (error.field ?? '').split('.');
      const prefix = `${error.field}: `;
      const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
      const byField = DAYS.find((day) => path[1] === day);
      if (byField && path[2]) {
        const label = fill(path[2] === 'end' ? tx.end : tx.start, { day: tx[byField] });
        days[byField].message.error(/HH:MM/.test(message) ? `${label} ${tx.badTime}` : `${label}: ${serverPhrase(error)}`, path[2] === 'end' ? 'end' : 'start');
        return;
      }
      const order = message.match(/^(weekdays|saturday|sunday): start must be before end$/);
      if (order) {
        const day = order[1] as Day;
        days[day].message.error(`${tx[day]}: ${tx.startAfterEnd}`, error);
        return;
      }
    }
    formMessage.error(errorText(error), error);
  };

  const send = async (windows: Record<Day, DayWindow> | null) => {
    clearMessages();
    const chosen = scope.value;
    try {
      await api.setCallingHours(chosen, windows);
      hours = await api.callingHours();
      replaceChildren(tableSlot, hoursTable(hours));
      fill_();
      const done = fill(windows ? tx.saved : tx.restored, { scope: chosen });
      formMessage.ok(done);
      announce(done);
    } catch (error) {
      if (!(error instanceof SessionEnded)) showError(error);
    }
  };

  const form = h(
    'form',
    { novalidate: true, 'aria-label': tx.editTitle },
    h('h3', { class: 'h3' }, tx.editTitle),
    h('p', { class: 'small' }, tx.editIntro),
    h('div', { class: 'field' }, h('label', { for: scopeId }, tx.scope), scope),
    ...DAYS.map((day) => days[day].element),
    h(
      'div',
      { class: 'form-row' },
      h('button', { type: 'submit', class: 'btn primary' }, tx.save),
      h('button', { type: 'button', class: 'btn secondary', onclick: () => void send(null) }, tx.reset),
    ),
    formMessage.element,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void send({ weekdays: days.weekdays.value(), saturday: days.saturday.value(), sunday: days.sunday.value() });
  });
  fill_();
  return h('section', { class: 'card', 'aria-label': tx.hoursTitle }, h('h2', { class: 'h2' }, tx.hoursTitle), h('p', { class: 'small' }, tx.hoursIntro), tableSlot, form);
}
