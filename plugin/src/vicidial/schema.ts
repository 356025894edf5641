import { HygieneConfigError } from '../errors';
import type { VicidialDb } from './db';

/**
 * Which VICIdial databases the connector runs against. VICIdial's version string has said `2.14b0.5` since schema
 * 1480, so builds are told apart by `system_settings.db_schema_version`. The range below is what the columns used
 * here were checked against (vicidial-facts.md: 1540 in 2019 … 1720 at SVN r3884 … 1728 in Sep 2025); every column
 * the connector touches exists unchanged across it. A newer schema may rename or retype one, so it is refused by
 * name until someone checks it and passes it with `versoesAceitas` / `--aceitar-versao`.
 */
export const KNOWN_SCHEMA_VERSIONS = { min: 1540, max: 1728 } as const;

/** The columns the connector reads or writes, per table; a missing one is named before anything runs. */
export const REQUIRED_COLUMNS: Record<string, readonly string[]> = {
  system_settings: ['db_schema_version'],
  vicidial_carrier_log: ['uniqueid', 'call_date', 'lead_id', 'hangup_cause', 'dialstatus', 'dial_time', 'answered_time', 'sip_hangup_cause'],
  vicidial_log: ['uniqueid', 'lead_id', 'list_id', 'campaign_id', 'call_date', 'length_in_sec', 'status', 'phone_code', 'phone_number', 'alt_dial', 'user'],
  vicidial_statuses: ['status', 'human_answered', 'sale', 'customer_contact', 'answering_machine', 'unworkable'],
  vicidial_campaign_statuses: ['status', 'campaign_id', 'human_answered', 'sale', 'customer_contact', 'answering_machine', 'unworkable'],
  vicidial_list: ['lead_id', 'list_id', 'status', 'phone_code', 'phone_number', 'alt_phone', 'address3', 'modify_date'],
  vicidial_lists: ['list_id', 'campaign_id', 'active'],
  vicidial_hopper: ['hopper_id', 'lead_id', 'status'],
};

/** Tables used when present (the extended alternate phones, the live-call tables). */
export const OPTIONAL_TABLES = ['vicidial_list_alt_phones', 'vicidial_auto_calls', 'vicidial_live_agents'] as const;

export type SchemaInfo = { version: number; optionalTables: Set<string> };

/** Refuses an unknown schema version or a missing column, naming them; otherwise what the database has. */
export async function checkSchema(db: VicidialDb, acceptedVersions: readonly number[] = []): Promise<SchemaInfo> {
  const columns = await db.query<{ table_name: string; column_name: string }>(
    `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${[...Object.keys(REQUIRED_COLUMNS), ...OPTIONAL_TABLES].map(() => '?').join(', ')})`,
    [...Object.keys(REQUIRED_COLUMNS), ...OPTIONAL_TABLES],
  );
  const present = new Map<string, Set<string>>();
  for (const { table_name, column_name } of columns) {
    if (!present.has(table_name)) present.set(table_name, new Set());
    present.get(table_name)!.add(column_name.toLowerCase());
  }
  const missing: string[] = [];
  for (const [table, needed] of Object.entries(REQUIRED_COLUMNS)) {
    const have = present.get(table);
    if (!have) missing.push(`tabela ${table}`);
    else for (const column of needed) if (!have.has(column)) missing.push(`${table}.${column}`);
  }
  if (missing.length > 0) throw new HygieneConfigError(`o banco não parece ser do VICIdial: falta ${missing.join(', ')}`);
  const [settings] = await db.query<{ db_schema_version: number | string | null }>('SELECT db_schema_version FROM system_settings LIMIT 1');
  const version = Number(settings?.db_schema_version ?? Number.NaN);
  const known = version >= KNOWN_SCHEMA_VERSIONS.min && version <= KNOWN_SCHEMA_VERSIONS.max;
  if (!known && !acceptedVersions.includes(version)) {
    throw new HygieneConfigError(
      `versão de esquema do VICIdial desconhecida: db_schema_version=${Number.isNaN(version) ? String(settings?.db_schema_version ?? 'ausente') : version} ` +
        `(conhecidas: ${KNOWN_SCHEMA_VERSIONS.min} a ${KNOWN_SCHEMA_VERSIONS.max}); confira as colunas em docs/vicidial.md e aceite-a com --aceitar-versao ${Number.isNaN(version) ? '<n>' : version}`,
    );
  }
  return { version, optionalTables: new Set(OPTIONAL_TABLES.filter((table) => present.has(table))) };
}
