import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { NumberCheck } from '../../contract/protocol';
import { chunks, placeholders, type VicidialDb } from './db';
import { address3Phone, altPhonesOf, phoneForServer, scanLeads, type AltPhoneRow, type LeadRow, type ScanStats } from './leads';

/**
 * `higienizar`: the leads of some lists checked against the hygiene server, then stopped the safe way
 * (vicidial-facts.md §3): a lead with no valid phone left gets the suppression status (a status in no campaign's
 * dial statuses) and leaves the hopper (rows not INCALL/DONE/HOLD/DNC, as the API's remove_from_hopper); an invalid
 * alternate phone is blanked (alt_phone / address3 = '', an extended one active='N'). Only "invalid" verdicts count:
 * unconfirmed, clean and malformed phones are valid enough to keep a lead. A lead in a live call is left for the next
 * run (its call's outcome would overwrite the status); a run re-applies wherever a call overwrote it since.
 *
 * Every change is written first to the audit file (NDJSON, fdatasynced, mode 0600: it holds the phones it blanked)
 * with the values before and after, then applied with one UPDATE per lead guarded by the values read
 * (`… WHERE lead_id = ? AND status <=> ? AND alt_phone <=> ? …`), so a lead a call changed meanwhile is left alone.
 * `desfazer` applies the file backwards under the same guard and puts modify_date back as it was.
 */

export interface NumberChecker {
  checkNumbers(phones: string[]): Promise<NumberCheck[]>;
}

export type SuppressOptions = {
  listIds: string[];
  status: string;
  dryRun: boolean;
  auditDir: string;
  optionalTables: ReadonlySet<string>;
  /** Phones per server call. Default 5000. */
  checkBatch?: number;
};

export type SuppressReport = {
  leads: number;
  phones: number;
  invalidPhones: number;
  leadsSuppressed: number;
  altPhonesBlanked: number;
  hopperRowsRemoved: number;
  /** Leads in a live call now, or changed between reading and writing: left for the next run. */
  deferred: number;
  auditFile: string | null;
  scan: ScanStats;
};

type LeadChange = { lead_id: number; antes: Record<string, string | null>; depois: Record<string, string | null> };
type AltChange = { alt_phone_id: number; lead_id: number; antes: string; depois: string };
type AuditLine =
  | { tipo: 'inicio'; em: string; listas: string[]; status: string }
  | ({ tipo: 'lead' } & LeadChange)
  | ({ tipo: 'alt' } & AltChange)
  | { tipo: 'hopper'; linhas: Record<string, unknown>[] }
  | { tipo: 'nao-aplicado'; lead_ids: number[]; alt_phone_ids: number[] }
  | { tipo: 'fim'; em: string; resumo: Omit<SuppressReport, 'auditFile' | 'scan'> };

const LEAD_GUARDED = ['status', 'alt_phone', 'address3'] as const;

/** The lead's phones (main, alt_phone, address3, extended) as sent to the server. */
function phonesOf(lead: LeadRow, alts: readonly AltPhoneRow[]) {
  const address3 = address3Phone(lead.address3);
  return {
    main: phoneForServer(lead.phone_number, lead.phone_code),
    alt: phoneForServer(lead.alt_phone, lead.phone_code),
    address3: address3 ? phoneForServer(address3, lead.phone_code) : null,
    extended: alts.map((row) => ({ row, phone: phoneForServer(row.phone_number, row.phone_code ?? lead.phone_code) })),
  };
}

export async function suppressLists(read: VicidialDb, write: VicidialDb, checker: NumberChecker, options: SuppressOptions): Promise<SuppressReport> {
  const report: SuppressReport = { leads: 0, phones: 0, invalidPhones: 0, leadsSuppressed: 0, altPhonesBlanked: 0, hopperRowsRemoved: 0, deferred: 0, auditFile: null, scan: { slices: 0, rows: 0, maxSliceMs: 0 } };
  const withAlts = options.optionalTables.has('vicidial_list_alt_phones');
  let audit: FileHandle | undefined;
  const writeAudit = async (lines: AuditLine[]) => {
    if (options.dryRun || lines.length === 0) return;
    if (!audit) {
      await mkdir(options.auditDir, { recursive: true, mode: 0o700 });
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
      report.auditFile = path.join(options.auditDir, `higienizar-${stamp}-${randomBytes(3).toString('hex')}.ndjson`);
      audit = await open(report.auditFile, 'wx', 0o600);
      lines.unshift({ tipo: 'inicio', em: new Date().toISOString(), listas: options.listIds, status: options.status });
    }
    await audit.write(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    await audit.datasync();
  };
  try {
    for await (const leads of scanLeads(read, options.listIds, report.scan)) {
      report.leads += leads.length;
      const alts = withAlts ? await altPhonesOf(read, leads.map((lead) => lead.lead_id)) : [];
      const altsByLead = new Map<number, AltPhoneRow[]>();
      for (const row of alts) altsByLead.set(row.lead_id, [...(altsByLead.get(row.lead_id) ?? []), row]);
      const perLead = leads.map((lead) => ({ lead, phones: phonesOf(lead, altsByLead.get(lead.lead_id) ?? []) }));
      const unique = [...new Set(perLead.flatMap(({ phones }) => [phones.main, phones.alt, phones.address3, ...phones.extended.map((e) => e.phone)]).filter((p): p is string => p !== null))];
      report.phones += unique.length;
      const verdicts = new Map<string, NumberCheck['status']>();
      for (const part of chunks(unique, options.checkBatch ?? 5000)) {
        const results = await checker.checkNumbers(part);
        for (const [i, phone] of part.entries()) verdicts.set(phone, results[i]!.status);
      }
      const invalid = (phone: string | null) => phone !== null && verdicts.get(phone) === 'invalid';
      report.invalidPhones += unique.filter(invalid).length;

      const leadChanges: LeadChange[] = [];
      const altChanges: AltChange[] = [];
      const suppressed: number[] = [];
      const blankedSlots = new Map<number, Set<string>>(); // lead → alt_dial values whose number was blanked
      for (const { lead, phones } of perLead) {
        const all = [phones.main, phones.alt, phones.address3, ...phones.extended.map((e) => e.phone)].filter((p): p is string => p !== null);
        const noneLeft = all.length > 0 && all.every(invalid);
        const depois: Record<string, string | null> = {};
        const slots = new Set<string>();
        if (noneLeft && lead.status !== options.status) depois.status = options.status;
        if (invalid(phones.alt)) {
          depois.alt_phone = '';
          slots.add('ALT');
        }
        if (invalid(phones.address3)) {
          depois.address3 = '';
          slots.add('ADDR3');
        }
        for (const { row, phone } of phones.extended) {
          if (invalid(phone)) {
            altChanges.push({ alt_phone_id: row.alt_phone_id, lead_id: lead.lead_id, antes: row.active, depois: 'N' });
            slots.add(`X${altsByLead.get(lead.lead_id)!.indexOf(row) + 1}`);
          }
        }
        if (noneLeft) suppressed.push(lead.lead_id);
        if (slots.size > 0) blankedSlots.set(lead.lead_id, slots);
        if (Object.keys(depois).length > 0) {
          leadChanges.push({ lead_id: lead.lead_id, antes: { status: lead.status, alt_phone: lead.alt_phone, address3: lead.address3, modify_date: lead.modify_date }, depois });
        }
      }
      if (options.dryRun) {
        report.leadsSuppressed += suppressed.length;
        report.altPhonesBlanked += leadChanges.reduce((n, c) => n + ('alt_phone' in c.depois ? 1 : 0) + ('address3' in c.depois ? 1 : 0), 0) + altChanges.length;
        continue;
      }
      await applySlice(write, options, report, leadChanges, altChanges, suppressed, blankedSlots, writeAudit);
    }
    const { auditFile: _file, scan: _scan, ...resumo } = report;
    if (audit) await writeAudit([{ tipo: 'fim', em: new Date().toISOString(), resumo }]);
    return report;
  } finally {
    await audit?.close();
  }
}

async function liveLeads(db: VicidialDb, tables: ReadonlySet<string>, leadIds: readonly number[]): Promise<Set<number>> {
  const live = new Set<number>();
  if (leadIds.length === 0) return live;
  for (const table of ['vicidial_auto_calls', 'vicidial_live_agents']) {
    if (!tables.has(table)) continue;
    for (const row of await db.query<{ lead_id: number }>(`SELECT lead_id FROM ${table} WHERE lead_id IN (${placeholders(leadIds.length)})`, leadIds)) live.add(Number(row.lead_id));
  }
  return live;
}

async function applySlice(
  db: VicidialDb,
  options: SuppressOptions,
  report: SuppressReport,
  leadChanges: LeadChange[],
  altChanges: AltChange[],
  suppressed: number[],
  blankedSlots: Map<number, Set<string>>,
  writeAudit: (lines: AuditLine[]) => Promise<void>,
): Promise<void> {
  const touched = [...new Set([...leadChanges.map((c) => c.lead_id), ...altChanges.map((c) => c.lead_id)])];
  const live = await liveLeads(db, options.optionalTables, touched);
  const leads = leadChanges.filter((c) => !live.has(c.lead_id));
  const alts = altChanges.filter((c) => !live.has(c.lead_id));
  report.deferred += touched.filter((id) => live.has(id)).length;
  // Write-ahead: the file knows every change before the database does.
  await writeAudit([...leads.map((c) => ({ tipo: 'lead' as const, ...c })), ...alts.map((c) => ({ tipo: 'alt' as const, ...c }))]);
  const notApplied: number[] = [];
  const notAppliedAlts: number[] = [];
  for (const change of leads) {
    const columns = Object.keys(change.depois);
    const changed = await db.execute(
      `UPDATE vicidial_list SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE lead_id = ? AND ${LEAD_GUARDED.map((c) => `${c} <=> ?`).join(' AND ')}`,
      [...columns.map((c) => change.depois[c]!), change.lead_id, ...LEAD_GUARDED.map((c) => change.antes[c] ?? null)],
    );
    if (changed === 0) notApplied.push(change.lead_id);
    else {
      if ('status' in change.depois) report.leadsSuppressed++;
      report.altPhonesBlanked += ('alt_phone' in change.depois ? 1 : 0) + ('address3' in change.depois ? 1 : 0);
    }
  }
  for (const change of alts) {
    const changed = await db.execute("UPDATE vicidial_list_alt_phones SET active = 'N' WHERE alt_phone_id = ? AND active = 'Y'", [change.alt_phone_id]);
    if (changed === 0) notAppliedAlts.push(change.alt_phone_id);
    else report.altPhonesBlanked++;
  }
  report.deferred += notApplied.length;
  // Out of the hopper: suppressed leads entirely, other leads where the queued attempt was for a blanked number.
  const leaving = suppressed.filter((id) => !live.has(id) && !notApplied.includes(id));
  const candidates = [...new Set([...leaving, ...[...blankedSlots.keys()].filter((id) => !live.has(id) && !notApplied.includes(id))])];
  if (candidates.length > 0) {
    const rows = await db.query(`SELECT * FROM vicidial_hopper WHERE lead_id IN (${placeholders(candidates.length)}) AND status NOT IN ('INCALL', 'DONE', 'HOLD', 'DNC')`, candidates);
    const remove = rows.filter((row) => leaving.includes(Number(row.lead_id)) || blankedSlots.get(Number(row.lead_id))?.has(String(row.alt_dial)));
    if (remove.length > 0) {
      await writeAudit([{ tipo: 'hopper', linhas: remove }]);
      for (const part of chunks(remove.map((row) => Number(row.hopper_id)), 500)) {
        report.hopperRowsRemoved += await db.execute(`DELETE FROM vicidial_hopper WHERE hopper_id IN (${placeholders(part.length)}) AND status NOT IN ('INCALL', 'DONE', 'HOLD', 'DNC')`, part);
      }
    }
  }
  if (notApplied.length > 0 || notAppliedAlts.length > 0) await writeAudit([{ tipo: 'nao-aplicado', lead_ids: notApplied, alt_phone_ids: notAppliedAlts }]);
}

export type UndoReport = { leadsRestored: number; altPhonesRestored: number; conflicts: number };

/**
 * Undoes one audit file, last change first. A value someone changed after the run (a call, an agent) is left as it
 * is and counted in `conflicts`. Removed hopper rows are not put back: the hopper cron reloads dialable leads
 * within a minute, as it does after any status change.
 */
export async function undoAudit(db: VicidialDb, file: string): Promise<UndoReport> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as AuditLine);
  if (lines[0]?.tipo !== 'inicio') throw new Error(`${file}: não é um arquivo de auditoria do "hygiene vicidial higienizar"`);
  const skippedLeads = new Set(lines.flatMap((line) => (line.tipo === 'nao-aplicado' ? line.lead_ids : [])));
  const skippedAlts = new Set(lines.flatMap((line) => (line.tipo === 'nao-aplicado' ? line.alt_phone_ids : [])));
  const report: UndoReport = { leadsRestored: 0, altPhonesRestored: 0, conflicts: 0 };
  for (const line of [...lines].reverse()) {
    if (line.tipo === 'lead' && !skippedLeads.has(line.lead_id)) {
      const columns = Object.keys(line.depois);
      const changed = await db.execute(
        `UPDATE vicidial_list SET ${columns.map((c) => `${c} = ?`).join(', ')}, modify_date = ? WHERE lead_id = ? AND ${columns.map((c) => `${c} <=> ?`).join(' AND ')}`,
        [...columns.map((c) => line.antes[c] ?? null), line.antes.modify_date ?? null, line.lead_id, ...columns.map((c) => line.depois[c] ?? null)],
      );
      if (changed > 0) report.leadsRestored++;
      else report.conflicts++;
    } else if (line.tipo === 'alt' && !skippedAlts.has(line.alt_phone_id)) {
      const changed = await db.execute('UPDATE vicidial_list_alt_phones SET active = ? WHERE alt_phone_id = ? AND active = ?', [line.antes, line.alt_phone_id, line.depois]);
      if (changed > 0) report.altPhonesRestored++;
      else report.conflicts++;
    }
  }
  return report;
}
