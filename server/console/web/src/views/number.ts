import type { NumberExplanation } from '../../../../../plugin/contract/protocol';
import { api, ApiError, SessionEnded } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { formatDateTime, formatNumber, t, type MessageKey } from '../i18n';
import { announce, errorText, inlineMessage, openDialog, pageTitle, serverPhrase } from '../ui';

type Removed = Extract<NumberExplanation, { removed: true }>;

const FIELD_LABELS: Record<string, MessageKey> = { phone: 'phone', reason: 'contestReason' };

/**
 * The server names a phone's problem in English (server/domain/phone.ts, the same words dialers' logs get) under
 * the closed code VALIDATION_FAILED; the console says the known ones in the admin's language, by their opening words.
 */
const PHONE_PROBLEMS: [RegExp, MessageKey][] = [
  [/^The phone number is empty/, 'phoneErrEmpty'],
  [/^(Invalid character|The value)/, 'phoneErrCharacters'],
  [/^Too short/, 'phoneErrShort'],
  [/^Too long/, 'phoneErrLong'],
  [/^Foreign number/, 'phoneErrForeign'],
  [/^DDD \d+ does not exist/, 'phoneErrDdd'],
  [/^Mobile number without the ninth digit/, 'phoneErrNinthDigit'],
  [/^Invalid subscriber number/, 'phoneErrSubscriber'],
  [/^Non-geographic number/, 'phoneErrNonGeographic'],
];

function fieldMessage(error: ApiError & { field: string }): string {
  // Error messages read "field: message"; the label already names the field.
  const message = error.message.startsWith(`${error.field}: `) ? error.message.slice(error.field.length + 2) : error.message;
  const known = error.field === 'phone' ? PHONE_PROBLEMS.find(([pattern]) => pattern.test(message)) : undefined;
  return known ? t(known[1]) : serverPhrase(error);
}

/**
 * The server's refusals in the admin's words: a 429 says how long to wait (from Retry-After), a 400 names the
 * field; anything else as every other screen says it.
 */
function lookupErrorText(error: unknown): string {
  if (error instanceof ApiError && error.status === 429) {
    return t('rateLimitedMinutes', { minutes: Math.max(1, Math.ceil((error.retryAfterSeconds ?? 60) / 60)) });
  }
  if (error instanceof ApiError && error.status === 400 && error.field) {
    const label = FIELD_LABELS[error.field];
    return t('fieldError', { field: label ? t(label) : error.field, message: fieldMessage(error as ApiError & { field: string }) });
  }
  return errorText(error);
}

/**
 * Asks for the reason and contests. The dialog stays open while the request runs, so a refusal is shown next to
 * the reason field; it resolves true once the server accepted the contest.
 */
function contestDialog(phone: string): Promise<boolean> {
  const reasonId = uid('contest-reason');
  const hintId = uid('contest-hint');
  const reason = h('textarea', { id: reasonId, rows: 3, maxlength: 500, 'aria-describedby': hintId, class: 'reason' });
  const message = inlineMessage({ reason });
  let busy = false;
  return openDialog({
    title: t('contestTitle'),
    body: [
      h('p', {}, t('contestExplain')),
      h('div', { class: 'field' }, h('label', { for: reasonId }, t('contestReason')), reason, h('span', { id: hintId, class: 'hint' }, t('contestReasonHint'))),
      message.element,
    ],
    actions: (close) => [
      h('button', { type: 'button', class: 'btn secondary', onclick: () => close(false) }, t('cancel')),
      h(
        'button',
        {
          type: 'button',
          class: 'btn primary',
          onclick: async (event: Event) => {
            if (busy) return;
            const button = event.currentTarget as HTMLButtonElement;
            message.clear();
            if (reason.value.trim().length < 5) {
              message.error(t('contestReasonShort'), 'reason');
              reason.focus();
              return;
            }
            busy = true;
            button.setAttribute('aria-busy', 'true');
            try {
              await api.contestNumber(phone, reason.value.trim());
              close(true);
            } catch (error) {
              if (error instanceof SessionEnded) return;
              message.error(lookupErrorText(error), error);
            } finally {
              busy = false;
              button.removeAttribute('aria-busy');
            }
          },
        },
        t('contestConfirm'),
      ),
    ],
  });
}

/**
 * "Consultar número": why a number left this tenant's mailings (counts only, never which companies) and contest.
 * The phone lives only in this view's memory and in POST bodies: never in the URL, storage or autofill history.
 */
export function numberView(root: HTMLElement): () => void {
  const phoneId = uid('phone');
  const hintId = uid('phone-hint');
  const phone = h('input', { id: phoneId, type: 'text', inputmode: 'tel', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': hintId });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, t('lookUp'));
  const formMessage = inlineMessage({ phone });
  const form = h(
    'form',
    { class: 'card', novalidate: true, role: 'search', 'aria-label': t('numberTitle') },
    h(
      'div',
      { class: 'form-row' },
      h('div', { class: 'field grow' }, h('label', { for: phoneId }, t('phone')), phone, h('span', { id: hintId, class: 'hint' }, t('phoneHint'))),
      h('div', { class: 'field' }, h('span', { class: 'label-spacer', 'aria-hidden': 'true' }, ' '), submit),
    ),
    formMessage.element,
  );
  const resultSlot = h('section', { class: 'card', 'aria-label': t('numberResult'), hidden: true });
  replaceChildren(root, pageTitle(t('numberTitle')), h('p', { class: 'intro' }, t('numberIntro')), form, resultSlot);

  let active = true;
  // The phone the result on screen belongs to (the field may have been edited since).
  let shownPhone: string | null = null;

  const fact = (label: string, value: Node | string, hint?: string) => [h('dt', {}, label), h('dd', {}, value, hint ? h('span', { class: 'hint fact-hint' }, hint) : null)];
  const date = (iso: string | null) => (iso ? formatDateTime(iso) : t('unknownDate'));

  function renderRemoved(explanation: Removed): void {
    // A contest puts the number on probation for this tenant alone, and the server then reports the removal as the
    // tenant's own view ("own"). Only a pool verdict can be contested, so a contested removal came from the pool.
    const byPool = explanation.by === 'pool' || explanation.contested;
    const contestButton = explanation.contested
      ? null
      : h(
          'button',
          {
            type: 'button',
            class: 'btn danger',
            onclick: async () => {
              if (!shownPhone) return;
              const contested = await contestDialog(shownPhone);
              if (!contested || !active) return;
              announce(t('contestDone'));
              await lookUp(shownPhone, t('contestDone'));
            },
          },
          t('contest'),
        );
    replaceChildren(
      resultSlot,
      h('h2', { class: 'result-title', tabindex: -1 }, byPool ? t('removedByPool') : t('removedByOwn')),
      h(
        'dl',
        { class: 'facts' },
        ...fact(
          t('situation'),
          h(
            'span',
            {},
            h('strong', { class: explanation.status === 'invalid' ? 'status-invalid' : 'status-probation' }, explanation.status === 'invalid' ? t('statusInvalid') : t('statusProbation')),
            explanation.possiblyReassigned ? h('span', { class: 'tag tag-reassigned' }, t('reassigned')) : null,
          ),
          [explanation.status === 'probation' ? t('statusProbationHint') : '', explanation.possiblyReassigned ? t('reassignedHint') : ''].filter(Boolean).join(' ') || undefined,
        ),
        ...fact(t('removedBy'), byPool ? t('byPool') : t('byOwn')),
        ...fact(t('countedMarks'), formatNumber(explanation.countedMarks)),
        ...fact(t('distinctTenants'), t('tenantsCount', { count: explanation.distinctTenants }), t('tenantsHint')),
        ...fact(t('distinctDays'), t('daysCount', { count: explanation.distinctDays })),
        ...fact(t('lastSeen'), date(explanation.lastSeenAt)),
        ...fact(t('expires'), date(explanation.expiresAt)),
        ...fact(t('contestState'), explanation.contested ? h('span', { class: 'tag tag-contested' }, t('contestedYes')) : t('contestedNo')),
      ),
      contestButton ? h('div', { class: 'result-actions' }, contestButton) : null,
    );
  }

  async function lookUp(value: string, notice?: string): Promise<void> {
    formMessage.clear();
    submit.disabled = true;
    submit.textContent = t('lookingUp');
    try {
      const explanation = await api.explainNumber(value);
      if (!active) return;
      shownPhone = value;
      resultSlot.hidden = false;
      if (explanation.removed) renderRemoved(explanation);
      else replaceChildren(resultSlot, h('h2', { class: 'result-title', tabindex: -1 }, t('notRemoved')));
      if (notice) resultSlot.prepend(h('p', { class: 'inline-msg ok', role: 'status' }, notice));
      resultSlot.querySelector<HTMLElement>('.result-title')?.focus();
    } catch (error) {
      if (error instanceof SessionEnded || !active) return;
      // An answer about another number must not stay on screen next to this one's error.
      shownPhone = null;
      resultSlot.hidden = true;
      replaceChildren(resultSlot);
      formMessage.error(lookupErrorText(error), error);
      phone.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = t('lookUp');
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = phone.value.trim();
    if (!value) {
      formMessage.error(t('phoneRequired'), 'phone');
      phone.focus();
      return;
    }
    void lookUp(value);
  });

  return () => {
    active = false;
    shownPhone = null;
  };
}
