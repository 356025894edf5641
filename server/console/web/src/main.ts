import { h, replaceChildren } from './dom';
import { connection } from './connection';
import { lang, setLang, t, type Lang } from './i18n';
import { connectLive, disconnectLive, reconnectNow } from './live';
import { currentSession, endSession, onSessionChange } from './session';
import { announce } from './ui';
import { forgetPeople, loadPeople } from './people';
import { campaignView } from './views/campaign';
import { campaignsView } from './views/campaigns';
import { auditView } from './views/audit';
import { keysView } from './views/keys';
import { suppressionNavLabel, suppressionView } from './views/suppression';
import { numberView } from './views/number';
import { signInView } from './views/signin';
import { tabulationsView } from './views/tabulations';
import { teamView } from './views/team';
import { complianceNavLabel, complianceView } from './views/compliance';

/**
 * The console shell: header (menu, language, sign out), the connection banner, the live region, and the view
 * chosen by the URL hash. Signed out, every URL shows sign-in and comes back to the same hash afterwards.
 */
const app = document.getElementById('app')!;
let cleanup: () => void = () => undefined;
/** Why sign-in is shown (translated at render, so a language switch translates it too). */
let signInNotice: 'expired' | 'signedOut' | null = null;
let online = connection.online();

type Route = { name: 'campaigns' | 'campaign' | 'tabulations' | 'keys' | 'number' | 'audit' | 'team' | 'compliance' | 'suppression'; id?: string };

function route(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const [first, second] = hash.split('/');
  if (first === 'campaigns' && second) return { name: 'campaign', id: decodeURIComponent(second) };
  if (first === 'tabulations') return { name: 'tabulations' };
  if (first === 'keys') return { name: 'keys' };
  // No phone in the URL: the lookup screen keeps its number in memory only.
  if (first === 'number') return { name: 'number' };
  if (first === 'audit') return { name: 'audit' };
  if (first === 'admins') return { name: 'team' };
  if (first === 'compliance') return { name: 'compliance' };
  if (first === 'suppression') return { name: 'suppression' };
  return { name: 'campaigns' };
}

/** The tab's title follows the screen (and the language). */
function screenName(current: Route): string {
  if (current.name === 'campaign') return `${current.id} · ${t('navCampaigns')}`;
  const names = { campaigns: t('navCampaigns'), tabulations: t('navTabulations'), keys: t('navKeys'), number: t('navNumber'), audit: t('navAudit'), team: t('navTeam'), compliance: complianceNavLabel(), suppression: suppressionNavLabel() } as const;
  return names[current.name];
}

function languageSwitch(): HTMLElement {
  const select = h('select', { id: 'lang', class: 'lang' }, h('option', { value: 'pt-BR' }, 'Português (Brasil)'), h('option', { value: 'en' }, 'English'));
  select.value = lang();
  select.addEventListener('change', () => {
    setLang(select.value as Lang);
    render();
    document.getElementById('lang')?.focus();
  });
  return h('div', { class: 'lang-field' }, h('label', { for: 'lang' }, t('language')), select);
}

function banner(): HTMLElement {
  return h(
    'div',
    { class: 'banner', id: 'offline-banner', role: 'alert', hidden: online },
    h('span', {}, t('offline')),
    h('button', { type: 'button', class: 'btn small light', onclick: () => reconnectNow() }, t('retryNow')),
  );
}

function header(): HTMLElement {
  const session = currentSession();
  const current = route().name;
  const link = (href: string, label: string, active: boolean) => h('a', { href, class: active ? 'nav-link active' : 'nav-link', 'aria-current': active ? 'page' : null }, label);
  return h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '✓'), t('appTitle')),
    session
      ? h(
          'nav',
          { 'aria-label': t('nav') },
          link('#/campaigns', t('navCampaigns'), current === 'campaigns' || current === 'campaign'),
          link('#/tabulations', t('navTabulations'), current === 'tabulations'),
          link('#/keys', t('navKeys'), current === 'keys'),
          link('#/number', t('navNumber'), current === 'number'),
          link('#/audit', t('navAudit'), current === 'audit'),
          link('#/admins', t('navTeam'), current === 'team'),
          link('#/compliance', complianceNavLabel(), current === 'compliance'),
          link('#/suppression', suppressionNavLabel(), current === 'suppression'),
        )
      : h('span', { class: 'spacer' }),
    h(
      'div',
      { class: 'account' },
      languageSwitch(),
      session ? h('span', { class: 'who' }, h('span', {}, session.tenantName), h('span', {}, session.name ?? session.email)) : null,
      session ? h('button', { type: 'button', class: 'btn light small', onclick: () => endSession('signedOut') }, t('signOut')) : null,
    ),
  );
}

function render(): void {
  cleanup();
  const main = h('main', { id: 'main', tabindex: -1 });
  const skipToMain = (e: Event) => {
    e.preventDefault();
    main.focus();
  };
  replaceChildren(
    app,
    h('a', { href: '#main', class: 'skip-link', onclick: skipToMain }, t('skipToContent')),
    header(),
    banner(),
    main,
    h('div', { id: 'live-region', class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'true' }),
  );
  if (!currentSession()) {
    document.title = t('docTitle', { screen: t('signIn') });
    cleanup = signInView(main, signInNotice === 'expired' ? t('sessionExpired') : signInNotice === 'signedOut' ? t('signedOut') : null);
    return;
  }
  const current = route();
  document.title = t('docTitle', { screen: screenName(current) });
  if (current.name === 'campaign') cleanup = campaignView(main, current.id!);
  else if (current.name === 'tabulations') cleanup = tabulationsView(main);
  else if (current.name === 'keys') cleanup = keysView(main);
  else if (current.name === 'number') cleanup = numberView(main);
  else if (current.name === 'audit') cleanup = auditView(main);
  else if (current.name === 'team') cleanup = teamView(main);
  else if (current.name === 'compliance') cleanup = complianceView(main);
  else if (current.name === 'suppression') cleanup = suppressionView(main);
  else cleanup = campaignsView(main);
  main.querySelector<HTMLElement>('h1')?.focus();
}

connection.onChange((isOnline) => {
  online = isOnline;
  const element = document.getElementById('offline-banner');
  if (element) element.hidden = isOnline;
  if (isOnline) announce(t('reconnected'));
});

onSessionChange((reason) => {
  // Dialogs live on <body>, outside the view: a session that ends under one must not leave it open.
  for (const dialog of document.querySelectorAll('dialog')) dialog.remove();
  if (reason === 'signedIn') {
    signInNotice = null;
    void loadPeople();
    connectLive();
  } else {
    signInNotice = reason === 'expired' ? 'expired' : 'signedOut';
    forgetPeople();
    disconnectLive();
  }
  render();
});

window.addEventListener('hashchange', () => {
  if (currentSession()) render();
});

setLang(lang());
if (currentSession()) {
  void loadPeople();
  connectLive();
}
render();
