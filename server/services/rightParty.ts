import type { PrismaClient } from '../generated/prisma/client';
import { isContactOutcome } from '../domain/outcomes';
import type { Pseudonymizer } from '../domain/pseudonym';
import {
  NETWORK_WINDOW_DAYS,
  PAIR_STATE,
  answeredRecently,
  contactKeyText,
  effectOf,
  stateAfter,
  type PairEffect,
  type PairState,
} from '../domain/rightParty';
import type { AcceptedCall, OutcomeExtension } from './outcomeExtensions';
import type { ReadBudget } from './readBudget';
import type { Tx } from './trustStore';

const DAY = 86_400_000;
const join = (values: readonly unknown[]) => values.join(',');

/** One phone of a mailing contact to look up: the contact's key text (contactKeyText) and the phone's E.164 digits. */
export type PairQuery = { contactKey: string | null; digits: number };
export type PairAnswer = { pair: PairState; answeredRecently: boolean };

/**
 * Right party: stores each tenant's contact–phone states (fed by the outcome batches, inside their transaction, so
 * exactly once) and the network's "answered recently" signal; answers both for a mailing being ordered.
 *
 * Privacy: the contact and the pair are HMACs under a key derived from the server's key and the tenant id
 * (Pseudonymizer.forTenant), so the table holds no CPF, contact id or phone, and the same CPF in two tenants has
 * unrelated values. The network table holds what number_evidence already holds (number pseudonym, tenant source
 * pseudonym, a time); a reader learns only yes/no, and reading it is charged to the read budget.
 */
export class RightPartyService implements OutcomeExtension {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pseudonymizer: Pseudonymizer,
    private readonly clock: () => Date,
    private readonly readBudget?: ReadBudget,
  ) {}

  async apply(tx: Tx, tenantId: string, calls: readonly AcceptedCall[], now: Date): Promise<void> {
    await this.savePairs(tx, tenantId, calls);
    await this.saveAnswers(tx, tenantId, calls, now);
  }

  /** The batch's effects per pair, in time order, written as one upsert (set) and one delete (an Inativo lifted). */
  private async savePairs(tx: Tx, tenantId: string, calls: readonly AcceptedCall[]): Promise<void> {
    const keys = this.pseudonymizer.forTenant(tenantId);
    const byPair = new Map<bigint, { contact: bigint; effects: { effect: PairEffect; at: number }[] }>();
    for (const call of calls) {
      const effect = effectOf(call.outcome);
      if (effect.kind === 'none') continue;
      const keyText = contactKeyText(call);
      if (keyText === null) continue;
      const contact = keys.contact(keyText);
      const pair = keys.pair(contact, call.digits);
      const entry = byPair.get(pair) ?? { contact, effects: [] };
      entry.effects.push({ effect, at: call.occurredAt });
      byPair.set(pair, entry);
    }
    if (byPair.size === 0) return;
    const set: { pair: bigint; contact: bigint; state: PairState; at: number }[] = [];
    /** Pairs a plain contact lifts from Inativo (nothing else set them in this batch). */
    const lift: bigint[] = [];
    /** Pairs set Inativo and lifted again in this batch: nothing is known of them any more. */
    const forget: bigint[] = [];
    for (const [pair, { contact, effects }] of byPair) {
      effects.sort((a, b) => a.at - b.at);
      const at = effects[effects.length - 1]!.at;
      if (!effects.some((entry) => entry.effect.kind === 'set')) {
        lift.push(pair);
        continue;
      }
      const state = stateAfter(PAIR_STATE.UNKNOWN, effects.map((entry) => entry.effect));
      if (state === PAIR_STATE.UNKNOWN) forget.push(pair);
      else set.push({ pair, contact, state, at });
    }
    set.sort((a, b) => (a.pair < b.pair ? -1 : 1));
    if (set.length > 0) {
      // A late call (older than the stored state) does not overwrite a newer one.
      await tx.$executeRawUnsafe(
        `INSERT INTO right_party_states (tenant_id, pair, contact, state, changed_at_ms)
         SELECT $1::uuid, p, c, s, t FROM unnest(string_to_array($2, ',')::bigint[], string_to_array($3, ',')::bigint[],
           string_to_array($4, ',')::smallint[], string_to_array($5, ',')::bigint[]) AS u(p, c, s, t)
         ON CONFLICT (tenant_id, pair) DO UPDATE SET state = EXCLUDED.state, changed_at_ms = EXCLUDED.changed_at_ms
         WHERE right_party_states.changed_at_ms <= EXCLUDED.changed_at_ms`,
        tenantId,
        join(set.map((row) => row.pair)),
        join(set.map((row) => row.contact)),
        join(set.map((row) => row.state)),
        join(set.map((row) => Math.round(row.at))),
      );
    }
    if (lift.length + forget.length > 0) {
      await tx.$executeRawUnsafe(
        `DELETE FROM right_party_states WHERE tenant_id = $1::uuid
           AND ((state = ${PAIR_STATE.INACTIVE} AND pair = ANY(string_to_array($2, ',')::bigint[])) OR pair = ANY(string_to_array($3, ',')::bigint[]))`,
        tenantId,
        join(lift),
        join(forget),
      );
    }
  }

  /** Answers of hygiene-enabled campaigns (opt-in, like every contribution to the pool): the latest per number and source. */
  private async saveAnswers(tx: Tx, tenantId: string, calls: readonly AcceptedCall[], now: Date): Promise<void> {
    const answered = calls.filter((call) => call.hygiene && isContactOutcome(call.outcome));
    if (answered.length === 0) return;
    const pseudonyms = this.pseudonymizer.phones(answered.map((call) => call.digits));
    const latest = new Map<bigint, number>();
    answered.forEach((call, i) => {
      const at = Math.min(call.occurredAt, now.getTime());
      const pseudonym = pseudonyms.bigint(i);
      latest.set(pseudonym, Math.max(latest.get(pseudonym) ?? 0, at));
    });
    const rows = [...latest].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    await tx.$executeRawUnsafe(
      `INSERT INTO number_answers (pseudonym, source, answered_at_ms)
       SELECT p, $1::bigint, t FROM unnest(string_to_array($2, ',')::bigint[], string_to_array($3, ',')::bigint[]) AS u(p, t)
       ON CONFLICT (pseudonym, source) DO UPDATE SET answered_at_ms = GREATEST(number_answers.answered_at_ms, EXCLUDED.answered_at_ms)`,
      this.pseudonymizer.source(tenantId).toString(),
      join(rows.map((row) => row[0])),
      join(rows.map((row) => Math.round(row[1]))),
    );
  }

  /**
   * The tenant's state of each pair and the network signal of each phone, for a mailing being ordered. The network
   * reads (one per distinct phone) are charged to the tenant's read budget after the fact, like a streamed
   * mailing's phones (services/readBudget.ts).
   */
  async lookup(tenantId: string, queries: readonly PairQuery[]): Promise<PairAnswer[]> {
    if (queries.length === 0) return [];
    const keys = this.pseudonymizer.forTenant(tenantId);
    const contactOf = new Map<string, bigint>();
    const pairs = queries.map((query) => {
      if (query.contactKey === null) return null;
      let contact = contactOf.get(query.contactKey);
      if (contact === undefined) {
        contact = keys.contact(query.contactKey);
        contactOf.set(query.contactKey, contact);
      }
      return keys.pair(contact, query.digits);
    });
    const phones = this.pseudonymizer.phones(queries.map((query) => query.digits));
    const phoneKeys = queries.map((_query, i) => phones.bigint(i));
    const distinctPhones = [...new Set(phoneKeys)];
    const source = this.pseudonymizer.source(tenantId);
    const since = this.clock().getTime() - NETWORK_WINDOW_DAYS * DAY;
    const [stateRows, answerRows] = await Promise.all([
      this.prisma.$queryRawUnsafe<{ pair: string; state: number }[]>(
        `SELECT pair::text AS pair, state FROM right_party_states WHERE tenant_id = $1::uuid AND pair = ANY(string_to_array($2, ',')::bigint[])`,
        tenantId,
        join([...new Set(pairs.filter((pair) => pair !== null))]),
      ),
      this.prisma.$queryRawUnsafe<{ pseudonym: string; others: number; own: boolean }[]>(
        `SELECT pseudonym::text AS pseudonym, (count(*) FILTER (WHERE source <> $2::bigint))::int AS others, bool_or(source = $2::bigint) AS own
         FROM number_answers WHERE pseudonym = ANY(string_to_array($1, ',')::bigint[]) AND answered_at_ms >= $3::bigint GROUP BY pseudonym`,
        join(distinctPhones),
        source.toString(),
        since,
      ),
    ]);
    await this.readBudget?.charge(tenantId, distinctPhones.length, { allowOverdraft: true });
    const stateOf = new Map(stateRows.map((row) => [BigInt(row.pair), Number(row.state) as PairState]));
    const answersOf = new Map(answerRows.map((row) => [BigInt(row.pseudonym), { otherSources: Number(row.others), own: row.own === true }]));
    return queries.map((_query, i) => ({
      pair: pairs[i] === null ? PAIR_STATE.UNKNOWN : (stateOf.get(pairs[i] as bigint) ?? PAIR_STATE.UNKNOWN),
      answeredRecently: answeredRecently(answersOf.get(phoneKeys[i] as bigint) ?? { otherSources: 0, own: false }),
    }));
  }
}
