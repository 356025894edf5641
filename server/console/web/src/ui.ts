import { ApiError, NetworkError } from './api';
import { h, uid } from './dom';
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

/**
 * The server's message in the console's language. The server answers in English with a closed set of codes and
 * the offending field (`{code, field, message}`); in Portuguese the field's name and the usual validation phrases
 * are translated from those, and anything not known stays as the server wrote it (nothing is swallowed).
 */
export function serverMessage(error: ApiError): string {
  if (lang() === 'en') return error.message;
  const field = error.field?.split('.').pop() ?? '';
  const fieldKey = `field_${field}` as MessageKey;
  const fieldName = field && fieldKey in PT_FIELDS ? t(fieldKey) : field;
  let message = field && error.message.startsWith(`${error.field}: `) ? error.message.slice(error.field!.length + 2) : error.message;
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
  for (const [pattern, say] of patterns) {
    const match = message.match(pattern);
    if (match) {
      message = say(match);
      break;
    }
  }
  return fieldName ? `${fieldName}: ${message}` : message;
}

/** An error in words for the admin; the server's own message is kept so nothing is swallowed. */
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

/** A message slot next to a control: role=alert so it is read when it appears. */
export function inlineMessage(): { element: HTMLElement; error(text: string): void; ok(text: string): void; clear(): void } {
  const element = h('p', { class: 'inline-msg', role: 'alert', hidden: true });
  return {
    element,
    error(text) {
      element.className = 'inline-msg error';
      element.textContent = text;
      element.hidden = false;
    },
    ok(text) {
      element.className = 'inline-msg ok';
      element.textContent = text;
      element.hidden = false;
    },
    clear() {
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
