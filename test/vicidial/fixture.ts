import { randomBytes } from 'node:crypto';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { prng } from '../../plugin/contract/prng';

/**
 * A VICIdial database for tests, on the MariaDB of the machine (127.0.0.1:3306, root; `.ci/run` starts it): the
 * tables and columns the connector uses, with VICIdial's names, types, indexes and engines (MyISAM; the hopper and
 * auto-calls MEMORY), as in extras/MySQL_AST_CREATE_tables.sql of VICIdial SVN r3884 (schema 1720) with
 * vicidial_list.modify_date declared as from schema 1724 on. One database per test file, dropped at the end.
 */

export const MARIADB = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };

const DDL = [
  `CREATE TABLE system_settings (version VARCHAR(50), install_date VARCHAR(50), db_schema_version INT(8) UNSIGNED default '0', db_schema_update_date DATETIME) ENGINE=MyISAM`,
  `CREATE TABLE vicidial_list (
    lead_id INT(9) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL, entry_date DATETIME,
    modify_date TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    status VARCHAR(6), user VARCHAR(20), vendor_lead_code VARCHAR(20), source_id VARCHAR(50),
    list_id BIGINT(14) UNSIGNED NOT NULL DEFAULT '0', gmt_offset_now DECIMAL(4,2) DEFAULT '0.00',
    called_since_last_reset ENUM('Y','N','Y1','Y2','Y3','Y4','Y5','Y6','Y7','Y8','Y9','Y10','D') default 'N',
    phone_code VARCHAR(10), phone_number VARCHAR(18) NOT NULL, title VARCHAR(4), first_name VARCHAR(30), middle_initial VARCHAR(1),
    last_name VARCHAR(30), address1 VARCHAR(100), address2 VARCHAR(100), address3 VARCHAR(100), city VARCHAR(50), state VARCHAR(2),
    province VARCHAR(50), postal_code VARCHAR(10), country_code VARCHAR(3), gender ENUM('M','F','U') default 'U', date_of_birth DATE,
    alt_phone VARCHAR(12), email VARCHAR(70), security_phrase VARCHAR(100), comments VARCHAR(255), called_count SMALLINT(5) UNSIGNED default '0',
    last_local_call_time DATETIME, \`rank\` SMALLINT(5) NOT NULL default '0', owner VARCHAR(20) default '', entry_list_id BIGINT(14) UNSIGNED NOT NULL DEFAULT '0',
    index (phone_number), index (list_id), index (called_since_last_reset), index (status), index (gmt_offset_now), index (postal_code),
    index (last_local_call_time), index (\`rank\`), index (owner), index phone_list (phone_number,list_id), index list_phone (list_id,phone_number),
    index list_status (list_id,status)
  ) ENGINE=MyISAM`,
  `CREATE TABLE vicidial_log (
    uniqueid VARCHAR(20) PRIMARY KEY NOT NULL, lead_id INT(9) UNSIGNED NOT NULL, list_id BIGINT(14) UNSIGNED, campaign_id VARCHAR(8),
    call_date DATETIME, start_epoch INT(10) UNSIGNED, end_epoch INT(10) UNSIGNED, length_in_sec INT(10), status VARCHAR(6),
    phone_code VARCHAR(10), phone_number VARCHAR(18), user VARCHAR(20), comments VARCHAR(255), processed ENUM('Y','N'), user_group VARCHAR(20),
    term_reason ENUM('CALLER','AGENT','QUEUETIMEOUT','ABANDON','AFTERHOURS','NONE','SYSTEM') default 'NONE', alt_dial VARCHAR(6) default 'NONE',
    called_count SMALLINT(5) UNSIGNED default '0', index (lead_id), index (call_date)
  ) ENGINE=MyISAM`,
  `CREATE TABLE vicidial_carrier_log (
    uniqueid VARCHAR(20) PRIMARY KEY NOT NULL, call_date DATETIME, server_ip VARCHAR(15) NOT NULL, lead_id INT(9) UNSIGNED,
    hangup_cause TINYINT(1) UNSIGNED default '0', dialstatus VARCHAR(16), channel VARCHAR(100), dial_time SMALLINT(3) UNSIGNED default '0',
    answered_time SMALLINT(4) UNSIGNED default '0', sip_hangup_cause SMALLINT(4) UNSIGNED default '0', sip_hangup_reason VARCHAR(50) default '',
    caller_code VARCHAR(30) default '', index (call_date), index (lead_id)
  ) ENGINE=MyISAM`,
  `CREATE TABLE vicidial_hopper (
    hopper_id INT(9) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL, lead_id INT(9) UNSIGNED NOT NULL, campaign_id VARCHAR(8),
    status ENUM('READY','QUEUE','INCALL','DONE','HOLD','DNC','RHOLD','RQUEUE') default 'READY', user VARCHAR(20), list_id BIGINT(14) UNSIGNED NOT NULL,
    gmt_offset_now DECIMAL(4,2) DEFAULT '0.00', state VARCHAR(2) default '', alt_dial VARCHAR(6) default 'NONE', priority TINYINT(2) default '0',
    source VARCHAR(1) default '', vendor_lead_code VARCHAR(20) default '', index (lead_id)
  ) ENGINE=MEMORY`,
  `CREATE TABLE vicidial_auto_calls (
    auto_call_id INT(9) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL, server_ip VARCHAR(15) NOT NULL, campaign_id VARCHAR(20),
    status ENUM('SENT','RINGING','LIVE','XFER','PAUSED','CLOSER','BUSY','DISCONNECT','IVR') default 'PAUSED', lead_id INT(9) UNSIGNED NOT NULL,
    uniqueid VARCHAR(20), callerid VARCHAR(20), channel VARCHAR(100), phone_code VARCHAR(10), phone_number VARCHAR(18), call_time DATETIME,
    call_type ENUM('IN','OUT','OUTBALANCE') default 'OUT', index (uniqueid), index (callerid), index (call_time)
  ) ENGINE=MEMORY`,
  ...['vicidial_statuses', 'vicidial_campaign_statuses'].map(
    (table) => `CREATE TABLE ${table} (
    status VARCHAR(6) NOT NULL, status_name VARCHAR(30), selectable ENUM('Y','N') default 'N', ${table === 'vicidial_campaign_statuses' ? 'campaign_id VARCHAR(20),' : ''}
    human_answered ENUM('Y','N') default 'N', category VARCHAR(20) default 'UNDEFINED', sale ENUM('Y','N') default 'N', dnc ENUM('Y','N') default 'N',
    customer_contact ENUM('Y','N') default 'N', not_interested ENUM('Y','N') default 'N', unworkable ENUM('Y','N') default 'N',
    scheduled_callback ENUM('Y','N') default 'N', completed ENUM('Y','N') default 'N', min_sec INT(5) UNSIGNED default '0', max_sec INT(5) UNSIGNED default '0',
    answering_machine ENUM('Y','N') default 'N', ${table === 'vicidial_statuses' ? 'PRIMARY KEY (status)' : 'index (campaign_id)'}
  ) ENGINE=MyISAM`,
  ),
  `CREATE TABLE vicidial_list_alt_phones (
    alt_phone_id INT(9) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL, lead_id INT(9) UNSIGNED NOT NULL, phone_code VARCHAR(10), phone_number VARCHAR(18),
    alt_phone_note VARCHAR(30), alt_phone_count SMALLINT(5) UNSIGNED, active ENUM('Y','N') default 'Y', index (lead_id), index (phone_number)
  ) ENGINE=MyISAM`,
  `CREATE TABLE vicidial_lists (
    list_id BIGINT(14) UNSIGNED PRIMARY KEY NOT NULL, list_name VARCHAR(30), campaign_id VARCHAR(8), active ENUM('Y','N'),
    list_description VARCHAR(255), list_changedate DATETIME, list_lastcalldate DATETIME, expiration_date DATE default '2099-12-31'
  ) ENGINE=MyISAM`,
  `CREATE TABLE vicidial_campaigns (
    campaign_id VARCHAR(8) PRIMARY KEY NOT NULL, campaign_name VARCHAR(40), active ENUM('Y','N'), dial_statuses VARCHAR(255) default ' NEW -',
    auto_alt_dial ENUM('NONE','ALT_ONLY','ADDR3_ONLY','ALT_AND_ADDR3','ALT_AND_EXTENDED','ALT_AND_ADDR3_AND_EXTENDED','EXTENDED_ONLY','MULTI_LEAD') default 'NONE'
  ) ENGINE=MyISAM`,
];

/** Stock statuses with VICIdial's seeded flags (DDL), plus two custom campaign statuses of the kind operations add. */
const STATUSES: Array<[string, string, Partial<Record<'human_answered' | 'sale' | 'customer_contact' | 'unworkable' | 'answering_machine', 'Y'>>]> = [
  ['NEW', 'New Lead', {}], ['QUEUE', 'Lead To Be Called', {}], ['INCALL', 'Lead Being Called', {}], ['PU', 'Call Picked Up', {}],
  ['DROP', 'Agent Not Available', { human_answered: 'Y' }], ['NA', 'No Answer AutoDial', {}], ['N', 'No Answer', {}],
  ['CALLBK', 'Call Back', { human_answered: 'Y', customer_contact: 'Y' }], ['A', 'Answering Machine', { answering_machine: 'Y' }],
  ['AA', 'Answering Machine Auto', { answering_machine: 'Y' }], ['AB', 'Busy Auto', {}], ['B', 'Busy', {}],
  ['DC', 'Disconnected Number', { unworkable: 'Y' }], ['ADC', 'Disconnected Number Auto', { unworkable: 'Y' }], ['ADCT', 'Disconnected Number Temporary', {}],
  ['SALE', 'Sale Made', { human_answered: 'Y', sale: 'Y' }], ['NI', 'Not Interested', { human_answered: 'Y', customer_contact: 'Y' }],
];

export type VicidialFixture = {
  database: string;
  url: string;
  conn: Connection;
  drop(): Promise<void>;
};

export async function createVicidialDb(schemaVersion = 1728): Promise<VicidialFixture> {
  const database = `vici_${randomBytes(5).toString('hex')}`;
  const admin = await createConnection({ ...MARIADB });
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const conn = await createConnection({ ...MARIADB, database, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, multipleStatements: false });
  for (const statement of DDL) await conn.query(statement);
  await conn.query("INSERT INTO system_settings (version, install_date, db_schema_version, db_schema_update_date) VALUES ('2.14b0.5', '2024-11-01', ?, NOW())", [schemaVersion]);
  for (const [status, name, flags] of STATUSES) {
    await conn.query(
      `INSERT INTO vicidial_statuses (status, status_name, selectable, human_answered, sale, customer_contact, unworkable, answering_machine) VALUES (?, ?, 'Y', ?, ?, ?, ?, ?)`,
      [status, name, flags.human_answered ?? 'N', flags.sale ?? 'N', flags.customer_contact ?? 'N', flags.unworkable ?? 'N', flags.answering_machine ?? 'N'],
    );
  }
  // Custom statuses of the COBRA campaign: NUMINX (agent: "número inexistente", no flag says so: mapped in the
  // connector's mapaStatus) and CLIOK (a contact by its human_answered flag, unknown to the server's map).
  await conn.query(
    `INSERT INTO vicidial_campaign_statuses (status, status_name, selectable, campaign_id, human_answered, customer_contact, unworkable) VALUES
      ('NUMINX', 'Numero inexistente', 'Y', 'COBRA', 'N', 'N', 'Y'), ('CLIOK', 'Cliente localizado', 'Y', 'COBRA', 'Y', 'Y', 'N')`,
  );
  await conn.query(`INSERT INTO vicidial_campaigns (campaign_id, campaign_name, active, dial_statuses, auto_alt_dial) VALUES
    ('COBRA', 'Cobranca', 'Y', ' NEW NA B AB -', 'ALT_AND_ADDR3_AND_EXTENDED'), ('VENDAS', 'Vendas', 'Y', ' NEW NA -', 'ALT_ONLY')`);
  await conn.query(`INSERT INTO vicidial_lists (list_id, list_name, campaign_id, active) VALUES
    (1001, 'Cobranca dezembro', 'COBRA', 'Y'), (1002, 'Vendas dezembro', 'VENDAS', 'Y'), (1003, 'Cobranca antiga', 'COBRA', 'N')`);
  return {
    database,
    url: `mysql://root@127.0.0.1:3306/${database}`,
    conn,
    async drop() {
      await conn.query(`DROP DATABASE IF EXISTS ${database}`);
      await conn.end();
    },
  };
}

export async function rows<T = Record<string, unknown>>(conn: Connection, sql: string, params: unknown[] = []): Promise<T[]> {
  const [result] = await conn.query<RowDataPacket[]>(sql, params);
  return result as unknown as T[];
}

/** A Brazilian number as VICIdial stores it (phone_code 55 apart): DDD + subscriber, mobiles with the 9. */
export function brazilianPhone(random: () => number, mobile = random() < 0.7): string {
  const ddds = [11, 21, 31, 41, 51, 61, 71, 81, 85, 92];
  const ddd = ddds[Math.floor(random() * ddds.length)]!;
  const rest = (digits: number) => Array.from({ length: digits }, () => Math.floor(random() * 10)).join('');
  return mobile ? `${ddd}9${6 + Math.floor(random() * 4)}${rest(7)}` : `${ddd}${2 + Math.floor(random() * 4)}${rest(7)}`;
}

export type Expected = 'invalid' | 'contact' | 'neutral';
export type GeneratedCall = { uniqueid: string; campaign: 'COBRA' | 'VENDAS'; expected: Expected; lateStatus?: string; lateExpected?: Expected };

type Kind = { dialstatus: string; cause: number; sip: number; status: string; expected: Expected; answered?: boolean };
/** Carrier answers seen on Brazilian trunks, with the status VICIdial (EDL 1) gives them. */
const UNANSWERED: Kind[] = [
  { dialstatus: 'CHANUNAVAIL', cause: 1, sip: 404, status: 'ADC', expected: 'invalid' },
  { dialstatus: 'CHANUNAVAIL', cause: 1, sip: 0, status: 'ADC', expected: 'invalid' },
  { dialstatus: 'CHANUNAVAIL', cause: 28, sip: 0, status: 'ADC', expected: 'invalid' },
  { dialstatus: 'BUSY', cause: 17, sip: 486, status: 'AB', expected: 'neutral' },
  { dialstatus: 'NOANSWER', cause: 19, sip: 480, status: 'NA', expected: 'neutral' },
  { dialstatus: 'NOANSWER', cause: 19, sip: 0, status: 'NA', expected: 'neutral' },
  { dialstatus: 'CONGESTION', cause: 34, sip: 503, status: 'ADCT', expected: 'neutral' },
  { dialstatus: 'CONGESTION', cause: 21, sip: 0, status: 'ADCT', expected: 'neutral' },
];
/** Agent dispositions of answered calls (cause 16), COBRA's custom ones included. */
const DISPOSITIONS: Array<[string, Expected]> = [
  ['SALE', 'contact'], ['NI', 'contact'], ['CALLBK', 'contact'], ['A', 'neutral'], ['AA', 'neutral'], ['DC', 'invalid'], ['DROP', 'neutral'],
];
const COBRA_DISPOSITIONS: Array<[string, Expected]> = [['NUMINX', 'invalid'], ['CLIOK', 'contact']];

/**
 * A day of calls between `from` and `to` (VICIdial server time): leads in lists 1001/1002 with alternate phones,
 * carrier-log rows for calls on the carrier-logging server (causes 1/16/17/19/21/28/34, SIP 404/486/480/503),
 * answered calls still INCALL whose disposition lands later (`lateStatus`), and calls of a second telephony server
 * without carrier logging (vicidial_log only). Returns what each call must count as.
 */
export async function fillDay(conn: Connection, options: { calls: number; from: string; to: string; seed?: number; firstLead?: number }): Promise<GeneratedCall[]> {
  const random = prng(options.seed ?? 16);
  const fromMs = Date.parse(`${options.from.replace(' ', 'T')}Z`);
  const span = Date.parse(`${options.to.replace(' ', 'T')}Z`) - fromMs;
  const at = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  const leadCount = Math.max(10, Math.ceil(options.calls / 3));
  const leads: Array<{ id: number; list: number; phone: string; alt: string }> = [];
  const leadValues: unknown[][] = [];
  for (let i = 0; i < leadCount; i++) {
    const list = i % 3 === 2 ? 1002 : 1001;
    leadValues.push([(options.firstLead ?? 1) + i, list, '55', brazilianPhone(random), random() < 0.5 ? brazilianPhone(random) : '', `Cliente ${i}`, 'NA']);
  }
  for (let i = 0; i < leadValues.length; i += 500) {
    const part = leadValues.slice(i, i + 500);
    await conn.query(`INSERT INTO vicidial_list (lead_id, list_id, phone_code, phone_number, alt_phone, first_name, status, entry_date) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, NOW())').join(', ')}`, part.flat());
  }
  for (const [id, list, , phone, alt] of leadValues) leads.push({ id: id as number, list: list as number, phone: phone as string, alt: alt as string });

  const calls: GeneratedCall[] = [];
  const carrierValues: unknown[][] = [];
  const logValues: unknown[][] = [];
  for (let i = 0; i < options.calls; i++) {
    const lead = leads[Math.floor(random() * leads.length)]!;
    const campaign = lead.list === 1002 ? 'VENDAS' : 'COBRA';
    const startMs = fromMs + Math.floor((span * i) / options.calls);
    const epoch = Math.floor(startMs / 1000);
    const uniqueid = `${epoch}.${1000 + i}`;
    const useAlt = lead.alt !== '' && random() < 0.3;
    const phone = useAlt ? lead.alt : lead.phone;
    const altDial = useAlt ? 'ALT' : 'MAIN';
    const withCarrier = random() < 0.85; // the second telephony server has carrier logging off
    const roll = random();
    let status: string;
    let expected: Expected;
    let lateStatus: string | undefined;
    let lateExpected: Expected | undefined;
    let length = 0;
    if (roll < 0.65 || !withCarrier) {
      const kind = UNANSWERED[Math.floor(random() * UNANSWERED.length)]!;
      status = kind.status;
      // Without the carrier row the status decides: ADC → invalid, the others neutral.
      expected = withCarrier ? kind.expected : status === 'ADC' ? 'invalid' : 'neutral';
      const dial = 5 + Math.floor(random() * 40);
      if (withCarrier) carrierValues.push([uniqueid, at(startMs + dial * 1000), '10.0.0.11', lead.id, kind.cause, kind.dialstatus, `SIP/operadora-${i}`, dial, 0, kind.sip, '', `V${i}`]);
    } else {
      const pool = campaign === 'COBRA' ? [...DISPOSITIONS, ...COBRA_DISPOSITIONS] : DISPOSITIONS;
      const [finalStatus, finalExpected] = pool[Math.floor(random() * pool.length)]!;
      length = 20 + Math.floor(random() * 200);
      const ring = 3 + Math.floor(random() * 20);
      carrierValues.push([uniqueid, at(startMs + (ring + length) * 1000), '10.0.0.11', lead.id, 16, 'ANSWER', `SIP/operadora-${i}`, ring + length, length, 200, 'OK', `V${i}`]);
      if (random() < 0.4) {
        // The agent has not dispositioned yet: INCALL now, the final status lands later (lateStatus).
        status = 'INCALL';
        expected = finalExpected;
        lateStatus = finalStatus;
        lateExpected = finalExpected;
      } else {
        status = finalStatus;
        expected = finalExpected;
      }
    }
    logValues.push([uniqueid, lead.id, lead.list, campaign, at(startMs), epoch, epoch + length, length, status, '55', phone, length > 0 ? 'agente01' : 'VDAD', altDial]);
    calls.push({ uniqueid, campaign, expected, ...(lateStatus ? { lateStatus, lateExpected: lateExpected! } : {}) });
  }
  for (let i = 0; i < carrierValues.length; i += 500) {
    const part = carrierValues.slice(i, i + 500);
    await conn.query(
      `INSERT INTO vicidial_carrier_log (uniqueid, call_date, server_ip, lead_id, hangup_cause, dialstatus, channel, dial_time, answered_time, sip_hangup_cause, sip_hangup_reason, caller_code) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      part.flat(),
    );
  }
  for (let i = 0; i < logValues.length; i += 500) {
    const part = logValues.slice(i, i + 500);
    await conn.query(
      `INSERT INTO vicidial_log (uniqueid, lead_id, list_id, campaign_id, call_date, start_epoch, end_epoch, length_in_sec, status, phone_code, phone_number, user, alt_dial) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      part.flat(),
    );
  }
  return calls;
}

/** What a set of calls must add up to on the server, per VICIdial campaign. */
export function expectedCounts(calls: readonly GeneratedCall[], campaign: 'COBRA' | 'VENDAS') {
  const counts = { invalid: 0, contact: 0, neutral: 0 };
  for (const call of calls) if (call.campaign === campaign) counts[call.expected]++;
  return counts;
}
