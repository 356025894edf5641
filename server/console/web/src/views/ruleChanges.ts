import type { OutcomeName, TabulationUsageView, TabulationView } from '../../../../../plugin/contract/protocol';
import { api, SessionEnded } from '../api';
import { h } from '../dom';
import { t } from '../i18n';
import { openDialog } from '../ui';

/** One pending change of the tabulation map: a new outcome, or null to drop the tenant's entry (back to default). */
export type RuleChange = { code: string; label: string; from: OutcomeName | null; to: OutcomeName | null };

export const USAGE_DAYS = 30;
export const outcomeLabel = (outcome: OutcomeName | null) => (outcome ? t(`outcome_${outcome}` as const) : t('remove'));

/** Signalling codes are checked by type, as the server does (server/domain/tabulations.ts): null when fine. */
export function codeProblem(label: string): string | null {
  const code = label.trim().toLowerCase().replace(/^(sip|q850|q\.850)\s*[: ]\s*/, (_m, kind: string) => (kind === 'sip' ? 'sip:' : 'q850:'));
  if (!code) return t('codeRequired');
  const match = /^(sip|q850):(.*)$/.exec(code);
  if (!match) return null;
  const value = /^\d{1,3}$/.test(match[2]!) ? Number(match[2]) : Number.NaN;
  if (match[1] === 'sip') return value >= 100 && value <= 699 ? null : t('codeErrSip');
  return value >= 1 && value <= 127 ? null : t('codeErrQ850');
}

/** The outcome a change leaves the code with: dropping the tenant's entry brings back the default. */
export const effectiveOutcome = (change: RuleChange, entry: TabulationView | undefined) => (change.to === null ? (entry?.defaultOutcome ?? null) : change.to);

/**
 * The summary before saving: each change, and how many of the tenant's accepted tabulations of the last 30 days it
 * would have counted differently (the server's per-code usage counts; a code whose outcome does not change counts 0).
 * Resolves true when the admin confirms.
 */
export async function confirmRuleChanges(changes: RuleChange[], entries: Map<string, TabulationView>): Promise<boolean> {
  let usage: TabulationUsageView | null = null;
  try {
    usage = await api.tabulationUsage(USAGE_DAYS);
  } catch (error) {
    if (error instanceof SessionEnded) return false;
  }
  const callsOf = (code: string) => usage?.usage.find((entry) => entry.code === code)?.calls ?? 0;
  let total = 0;
  const items = changes.map((change) => {
    const entry = entries.get(change.code);
    const after = effectiveOutcome(change, entry);
    const calls = after === change.from ? 0 : callsOf(change.code);
    total += calls;
    return h(
      'li',
      {},
      h('strong', {}, t('ruleChange', { code: change.label, from: outcomeLabel(change.from), to: after ? outcomeLabel(after) : t('remove') })),
      usage ? h('span', { class: 'muted small block' }, t('ruleImpact', { calls, days: USAGE_DAYS })) : null,
    );
  });
  return openDialog({
    title: t('confirmRulesTitle'),
    body: [
      h('p', {}, t('confirmRulesIntro')),
      h('ul', { class: 'rule-changes' }, ...items),
      h('p', { class: 'rule-impact-total' }, usage ? t('ruleImpactTotal', { calls: total, days: USAGE_DAYS }) : t('ruleImpactUnknown')),
    ],
    actions: (close) => [
      h('button', { type: 'button', class: 'btn secondary', onclick: () => close(false) }, t('cancel')),
      h('button', { type: 'button', class: 'btn primary', onclick: () => close(true) }, t('saveChanges')),
    ],
  });
}

/**
 * Undo from the audit log: the code's two latest events (`code:<code>`), newest first; the one before the latest
 * says what the rule was. No earlier event: the tenant had no entry, so undoing drops it (default or gone).
 */
export async function undoLastChange(entry: TabulationView): Promise<OutcomeName | null> {
  const { events } = await api.audit(undefined, { target: `code:${entry.code}`, action: 'tabulation.', limit: 2 });
  const previous = events[1]?.details as { outcome?: OutcomeName; reverted?: boolean } | undefined;
  if (previous?.outcome) {
    await api.setTabulation(entry.label, previous.outcome);
    return previous.outcome;
  }
  await api.revertTabulation(entry.label);
  return entry.defaultOutcome ?? null;
}
