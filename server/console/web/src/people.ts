import { api } from './api';
import { t } from './i18n';

/**
 * People's names instead of their emails where the console knows them: the tenant's admins (GET /v1/admins), loaded
 * once per sign-in. Actors the server writes itself ("server", "operator…") are said in words.
 */
const names = new Map<string, string>();
let loading: Promise<void> | null = null;

export function loadPeople(): Promise<void> {
  loading ??= api.admins().then(
    (admins) => {
      for (const admin of admins) if (admin.name) names.set(admin.email.toLowerCase(), admin.name);
    },
    () => {
      loading = null; // try again on the next screen
    },
  );
  return loading;
}

export function forgetPeople(): void {
  names.clear();
  loading = null;
}

export function actorName(actor: string): string {
  if (actor === 'server') return t('actorServer');
  if (actor === 'operator') return t('actorOperatorShort');
  if (actor.startsWith('operator:')) return `${t('actorOperatorShort')} (${actor.slice('operator:'.length)})`;
  return names.get(actor.toLowerCase()) ?? actor;
}
