import { ApiError, NetworkError } from './api';
import { h, replaceChildren, uid } from './dom';
import { lang, t, type MessageKey } from './i18n';
import { ptMore as PT_FIELDS } from './messages';

/** Polite announcements of live updates for screen readers (and visible as the last update line). */
export function announce(message: string): void {
  const region = document.getElementById('live-region');
  if (!region) return;
  // Clearing first makes a repeated identical message be read again.
  region.textContent = '';
  window.setTimeout(() => (region.textContent = message), 50);
}

/** The error codes the server can answer (server/errors.ts); each has a generic text in both languages. */
const CODES = ['VALIDATION_FAILED', 'INVALID_JSON', 'INVALID_CSV', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'REQUEST_TIMEOUT', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'BATCH_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'RATE_LIMITED', 'INTERNAL', 'UNAVAILABLE'] as const;

/** The field's name in the console's language: a known one translated, any other as the server named it. */
function fieldLabel(field: string | undefined): string {
  const name = field?.split('.').pop()?.replace(/\[\d+\]$/, '') ?? '';
  const key = `field_${name}` as MessageKey;
  return name && key in PT_FIELDS ? t(key) : name;
}

/**
 * The server's message in the console's language. The server answers in English with a closed set of codes and
 * the offending field (`{code, field, message}`). In Portuguese the usual phrases are translated; a message the
 * console does not know is never shown as written (it would be English): its code's generic text is, with the
 * field's name when the error has one. In English the server's own words are the most precise.
 */
export function serverMessage(error: ApiError): string {
  if (lang() === 'en') return error.message;
  const fieldName = fieldLabel(error.field);
  const translated = serverPhrase(error);
  return fieldName ? `${fieldName}: ${translated}` : translated;
}

/** serverMessage without the field's name, for a screen that names the field itself. */
export function serverPhrase(error: ApiError): string {
  const message = error.field && error.message.startsWith(`${error.field}: `) ? error.message.slice(error.field.length + 2) : error.message;
  const patterns: [RegExp, (m: RegExpMatchArray) => string][] = [
    [/^is required$/, () => t('msg_required')],
    [/^must be an email address$/, () => t('msg_email')],
    [/^must be at most (\d+) characters$/, (m) => t('msg_atMost', { n: m[1]! })],
    [/^must be at least (\d+) characters$/, (m) => t('msg_atLeast', { n: m[1]! })],
    [/^a SIP response must be a number from 100 to 699$/, () => t('codeErrSip')],
    [/^a Q\.850 cause must be a number from 1 to 127$/, () => t('codeErrQ850')],
    [/^campaign "(.*)" not found$/, (m) => `${t('campaign')} "${m[1]}" ${t('msg_notFound')}`],
    [/^tabulation code "(.*)" of this tenant not found$/, (m) => `${t('code')} "${m[1]}" ${t('msg_notFound')}`],
    [/^(mailing|dialer key|admin) not found$/, () => t('msg_notFound')],
  ];
  let translated: string | null = null;
  for (const [pattern, say] of patterns) {
    const match = message.match(pattern);
    if (match) {
      translated = say(match);
      break;
    }
  }
  if (lang() === 'en') return translated ?? message;
  return translated ?? t(`errCode_${(CODES as readonly string[]).includes(error.code) ? error.code : 'OTHER'}` as MessageKey);
}

/** An error in words for the admin, in the console's language (see serverMessage). */
export function errorText(error: unknown): string {
  if (error instanceof NetworkError) return t('errNetwork');
  if (error instanceof ApiError) {
    if (error.status >= 500) return t('errServer', { requestId: error.requestId });
    const message = serverMessage(error);
    if (error.code === 'FORBIDDEN') return t('errForbidden', { message });
    if (error.code === 'NOT_FOUND') return t('errNotFound', { message });
    if (error.code === 'RATE_LIMITED') return t('errRateLimited', { message });
    return t('errRejected', { message });
  }
  return String((error as Error)?.message ?? error);
}

/** The space-separated ids of an aria-describedby, with `id` added or removed. */
function describedBy(input: Element, id: string, present: boolean): void {
  const ids = (input.getAttribute('aria-describedby') ?? '').split(/\s+/).filter((token) => token && token !== id);
  if (present) ids.push(id);
  if (ids.length > 0) input.setAttribute('aria-describedby', ids.join(' '));
  else input.removeAttribute('aria-describedby');
}

/**
 * Marks inputs invalid and described by an error text (aria-invalid, aria-describedby), or clears that. Screen
 * readers then read the error when the input gets focus, not only when the alert appears.
 */
export function markInvalid(inputs: Iterable<Element>, errorId: string, invalid: boolean): void {
  for (const input of inputs) {
    describedBy(input, errorId, invalid);
    if (invalid) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

/**
 * The inputs an error is about: the one its field names (`outcomes[2].phone` → `phone`, `name`), or, when the error
 * names no field of the form, all of them.
 */
export function inputsOf(fields: Record<string, Element>, error: unknown): Element[] {
  const field = error instanceof ApiError ? error.field : undefined;
  const head = field?.split(/[.[]/)[0] ?? '';
  const tail = field?.split('.').pop()?.replace(/\[\d+\]$/, '') ?? '';
  const named = fields[head] ?? fields[tail];
  return named ? [named] : Object.values(fields);
}

/**
 * A message slot next to a control: role=alert so it is read when it appears. With `fields` (a form's inputs by the
 * server's field names), an error marks the inputs it is about invalid and described by the message (inputsOf),
 * and clearing or an ok message undoes that.
 */
export function inlineMessage(fields: Record<string, Element> = {}): { element: HTMLElement; error(text: string, cause?: unknown): void; ok(text: string): void; clear(): void } {
  const id = uid('msg');
  const element = h('p', { id, class: 'inline-msg', role: 'alert', hidden: true });
  const unmark = () => markInvalid(Object.values(fields), id, false);
  return {
    element,
    error(text, cause) {
      element.className = 'inline-msg error';
      element.textContent = text;
      element.hidden = false;
      unmark();
      // A string names the field (the console's own check); a refusal (4xx) names it or is about the whole form;
      // a network or server failure is about no input.
      const about = typeof cause === 'string' ? [fields[cause]].filter((input) => input !== undefined) : cause instanceof ApiError && cause.status < 500 ? inputsOf(fields, cause) : [];
      markInvalid(about, id, true);
    },
    ok(text) {
      unmark();
      element.className = 'inline-msg ok';
      element.textContent = text;
      element.hidden = false;
    },
    clear() {
      unmark();
      element.textContent = '';
      element.hidden = true;
    },
  };
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog: native <dialog> (inert background, Escape) plus an explicit Tab trap and focus returned to
 * the control that opened it.
 */
export function openDialog(options: { title: string; body: Node[]; actions: (close: (result: boolean) => void) => HTMLElement[]; initialFocus?: 'first' | 'last' }): Promise<boolean> {
  const opener = document.activeElement as HTMLElement | null;
  const titleId = uid('dlg-title');
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId, 'aria-modal': 'true' });
  return new Promise((resolve) => {
    let settled = false;
    const close = (result: boolean) => {
      if (settled) return;
      settled = true;
      dialog.close();
      dialog.remove();
      if (opener && document.contains(opener)) opener.focus();
      resolve(result);
    };
    const actions = options.actions(close);
    dialog.append(h('h2', { id: titleId, class: 'dialog-title' }, options.title), ...options.body, h('div', { class: 'dialog-actions' }, ...actions));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      close(false);
    });
    dialog.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        close(false);
        return;
      }
      if (event.key !== 'Tab') return;
      const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.hidden && el.offsetParent !== null);
      if (items.length === 0) return;
      const first = items[0]!;
      const last = items[items.length - 1]!;
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    });
    document.body.append(dialog);
    dialog.showModal();
    const focusables = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)];
    (options.initialFocus === 'last' ? focusables[focusables.length - 1] : focusables[0])?.focus();
  });
}

/** Yes/no confirmation; the safe choice (cancel) comes first and has the initial focus. */
export function confirmDialog(title: string, text: string, confirmLabel: string, danger = false): Promise<boolean> {
  return openDialog({
    title,
    body: [h('p', {}, text)],
    actions: (close) => [
      h('button', { type: 'button', class: 'btn secondary', onclick: () => close(false) }, t('cancel')),
      h('button', { type: 'button', class: danger ? 'btn danger' : 'btn primary', onclick: () => close(true) }, confirmLabel),
    ],
  });
}

/**
 * A count with its detail on hover or focus (the seed: "Passe o mouse sobre o número… para visualizar os
 * detalhes"). Focusable, described by the detail for screen readers, dismissed with Escape (WCAG 1.4.13).
 */
export function countWithDetail(value: string, detail: string): { element: HTMLElement; update(value: string, detail: string): void } {
  const tipId = uid('tip');
  const trigger = h('span', { class: 'count', tabindex: 0, 'aria-describedby': tipId }, value);
  const tip = h('span', { class: 'tooltip', role: 'tooltip', id: tipId, hidden: true }, detail);
  const element = h('span', { class: 'count-wrap' }, trigger, tip);
  const show = () => (tip.hidden = false);
  const hide = () => (tip.hidden = true);
  element.addEventListener('mouseenter', show);
  element.addEventListener('mouseleave', () => {
    if (document.activeElement !== trigger) hide();
  });
  trigger.addEventListener('focus', show);
  trigger.addEventListener('blur', hide);
  trigger.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') hide();
  });
  return {
    element,
    update(nextValue, nextDetail) {
      trigger.textContent = nextValue;
      tip.textContent = nextDetail;
    },
  };
}

/** Page heading that receives focus after navigation, so screen readers and keyboards start at the content. */
export function pageTitle(text: string): HTMLElement {
  return h('h1', { tabindex: -1, class: 'page-title' }, text);
}

export function loadingBlock(): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, t('loading'));
}

/** A load failure in words with a retry button. */
export function loadError(error: unknown, retry: () => void): HTMLElement {
  return h('div', { class: 'load-error', role: 'alert' }, h('p', {}, error instanceof NetworkError ? t('errNetworkLoad') : errorText(error)), h('button', { type: 'button', class: 'btn secondary', onclick: retry }, t('retry')));
}

/** A list's pager: previous, "page N of M", next (nothing when one page holds the whole list). */
export function renderPager(pager: HTMLElement, page: number, pages: number, showPage: (page: number) => void): void {
  pager.setAttribute('aria-label', t('pageOf', { page: page + 1, pages }));
  replaceChildren(
    pager,
    pages > 1 ? h('button', { type: 'button', class: 'btn secondary small', disabled: page === 0, onclick: () => showPage(page - 1) }, t('pagePrev')) : null,
    pages > 1 ? h('span', { class: 'muted small' }, t('pageOf', { page: page + 1, pages })) : null,
    pages > 1 ? h('button', { type: 'button', class: 'btn secondary small', disabled: page >= pages - 1, onclick: () => showPage(page + 1) }, t('pageNext')) : null,
  );
}

/** Every page of a list the server pages by offset (an export of the whole filtered list, not the page shown). */
export async function allPages<T>(page: (offset: number, limit: number) => Promise<{ items: readonly T[]; total: number }>, limit = 200): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += limit) {
    const answer = await page(offset, limit);
    all.push(...answer.items);
    if (answer.items.length < limit || offset + limit >= answer.total) return all;
  }
}
