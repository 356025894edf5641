import { api, ApiError } from '../api';
import { h, replaceChildren, uid } from '../dom';
import { t } from '../i18n';
import { startSession } from '../session';
import { errorText, inputsOf, markInvalid } from '../ui';

/** Sign in with email and password; `notice` explains why the admin is here (session expired, signed out). */
export function signInView(root: HTMLElement, notice: string | null): () => void {
  const emailId = uid('email');
  const passwordId = uid('password');
  const email = h('input', { id: emailId, type: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: passwordId, type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'btn primary wide' }, t('signIn'));
  const errorId = uid('signin-error');
  const error = h('p', { id: errorId, class: 'inline-msg error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { class: 'card signin', novalidate: true },
    h('h1', { tabindex: -1, class: 'page-title' }, t('signInTitle')),
    notice ? h('p', { class: 'notice', role: 'alert' }, notice) : null,
    h('p', { class: 'muted' }, t('signInIntro')),
    h('div', { class: 'field' }, h('label', { for: emailId }, t('email')), email),
    h('div', { class: 'field' }, h('label', { for: passwordId }, t('password')), password),
    error,
    submit,
  );
  replaceChildren(root, form);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    markInvalid([email, password], errorId, false);
    submit.disabled = true;
    submit.textContent = t('signingIn');
    try {
      const result = await api.login(email.value, password.value);
      startSession({ token: result.token, expiresAt: result.expiresAt, email: result.admin.email, tenantName: result.admin.tenantName, name: result.admin.name });
    } catch (failure) {
      error.textContent = failure instanceof ApiError && failure.code === 'UNAUTHENTICATED' ? t('wrongCredentials') : errorText(failure);
      error.hidden = false;
      // Wrong credentials are about both fields (which one is not said); a refusal naming a field, about that one.
      const wrong = failure instanceof ApiError && failure.code === 'UNAUTHENTICATED';
      if (failure instanceof ApiError && failure.status < 500) markInvalid(wrong ? [email, password] : inputsOf({ email, password }, failure), errorId, true);
      submit.disabled = false;
      submit.textContent = t('signIn');
      (failure instanceof ApiError && failure.code === 'UNAUTHENTICATED' ? password : email).focus();
    }
  });
  (notice ? form.querySelector<HTMLElement>('h1') : email)?.focus();
  return () => undefined;
}
