import path from 'node:path';
import { HygieneConfigError } from '../errors';

/**
 * Connector configuration (a JSON file, `--config vicidial.json`, with the URLs also from the environment).
 * Names are Portuguese, like the CLI; every problem is named, all at once.
 */
export type VicidialConfigInput = {
  /** mysql://usuario:senha@host:3306/asterisk — the primary (writes of `higienizar`; reads too without a replica). */
  mysql?: string;
  /** A read replica for the reads (sync and the scan of the leads). Default: the primary. */
  mysqlLeitura?: string;
  /** VICIdial campaign id → our campaign id. Unmapped campaigns keep their VICIdial id (or are skipped, below). */
  campanhas?: Record<string, string>;
  /** Skip calls of campaigns not in `campanhas` (default false). */
  somenteMapeadas?: boolean;
  /** The status given to a lead with no valid phone left (1-6 letters/digits, not dialable in any campaign). Default "HGINV". */
  statusSupressao?: string;
  /** VICIdial status → the tabulation code sent for it (wins over flags and the server's map). */
  mapaStatus?: Record<string, string>;
  /** Where the sync keeps its place and `higienizar` its audit files. Default "./hygiene-vicidial". */
  estadoDir?: string;
  /** First sync only: read calls from this moment on ("2026-12-01 00:00:00", VICIdial's server time). Default: today 00:00. */
  inicio?: string;
  /** VICIdial's server UTC offset, for the calls' time ("-03:00"). Default "-03:00". */
  fusoHorario?: string;
  /** Re-read of the newest seconds at every pass: late inserts and clock skew between telephony servers. Default 120. */
  sobreposicaoSegundos?: number;
  /** How long a call waits for its final agent disposition (VICIdial lets agents change it 4 h). Default 21600 (6 h). */
  janelaSegundos?: number;
  /** How long an unanswered call without a carrier-log row waits for it. Default 120. */
  esperaOperadoraSegundos?: number;
  /** Rows per keyed read (a MyISAM table is locked while one is read). Default 500. */
  fatia?: number;
  /** Rows per table and pass at most (bounds memory while catching up). Default 20000. */
  maxPorPassada?: number;
  /** Daemon: seconds between passes once caught up. Default 5. */
  intervaloSegundos?: number;
  /** Prefix of the call ids (one per VICIdial system of the tenant). Default "vicidial". */
  idSistema?: string;
  /** Schema versions accepted beyond the known range, after checking them. */
  versoesAceitas?: number[];
};

export type VicidialConfig = {
  mysql: string;
  mysqlLeitura: string | undefined;
  campanhas: Record<string, string>;
  somenteMapeadas: boolean;
  statusSupressao: string;
  mapaStatus: Record<string, string>;
  estadoDir: string;
  inicio: string | undefined;
  fusoHorario: string;
  sobreposicaoSegundos: number;
  janelaSegundos: number;
  esperaOperadoraSegundos: number;
  fatia: number;
  maxPorPassada: number;
  intervaloSegundos: number;
  idSistema: string;
  versoesAceitas: number[];
};

const DATETIME = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/;

export function resolveVicidialConfig(input: VicidialConfigInput, baseDir = process.cwd()): VicidialConfig {
  const problems: string[] = [];
  const int = (name: keyof VicidialConfigInput, fallback: number, min: number, max: number): number => {
    const value = input[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}: deve ser um número inteiro de ${min} a ${max} (recebido ${JSON.stringify(value)})`);
      return fallback;
    }
    return value;
  };
  const stringMap = (name: 'campanhas' | 'mapaStatus'): Record<string, string> => {
    const value = input[name];
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string' || v.trim() === '')) {
      problems.push(`${name}: deve ser um objeto {"origem": "destino"} de textos não vazios`);
      return {};
    }
    return name === 'mapaStatus' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k.trim().toUpperCase(), v])) : { ...value };
  };
  if (typeof input.mysql !== 'string' || !/^(mysql|mariadb):\/\//.test(input.mysql)) problems.push('mysql: informe a URL do banco do VICIdial, ex.: mysql://hygiene_sync:senha@10.0.0.5:3306/asterisk (ou VICIDIAL_MYSQL_URL)');
  if (input.mysqlLeitura !== undefined && (typeof input.mysqlLeitura !== 'string' || !/^(mysql|mariadb):\/\//.test(input.mysqlLeitura))) problems.push('mysqlLeitura: deve ser uma URL mysql://');
  const statusSupressao = (input.statusSupressao ?? 'HGINV').trim().toUpperCase();
  if (!/^[A-Z0-9]{1,6}$/.test(statusSupressao)) problems.push(`statusSupressao: deve ter de 1 a 6 letras ou dígitos (vicidial_list.status é VARCHAR(6)); recebido ${JSON.stringify(input.statusSupressao)}`);
  if (input.inicio !== undefined && (typeof input.inicio !== 'string' || !DATETIME.test(input.inicio))) problems.push('inicio: use "AAAA-MM-DD" ou "AAAA-MM-DD hh:mm:ss" (hora do servidor do VICIdial)');
  const fusoHorario = input.fusoHorario ?? '-03:00';
  if (!/^[+-]\d{2}:\d{2}$/.test(fusoHorario)) problems.push('fusoHorario: use "+hh:mm" ou "-hh:mm", ex.: "-03:00"');
  const idSistema = input.idSistema ?? 'vicidial';
  if (!/^[A-Za-z0-9_.-]{1,40}$/.test(idSistema)) problems.push('idSistema: de 1 a 40 letras, dígitos, _ . ou -');
  const versoesAceitas = input.versoesAceitas ?? [];
  if (!Array.isArray(versoesAceitas) || versoesAceitas.some((v) => !Number.isInteger(v))) problems.push('versoesAceitas: lista de números, ex.: [1730]');
  const resolved: VicidialConfig = {
    mysql: input.mysql ?? '',
    mysqlLeitura: input.mysqlLeitura,
    campanhas: stringMap('campanhas'),
    somenteMapeadas: input.somenteMapeadas === true,
    statusSupressao,
    mapaStatus: stringMap('mapaStatus'),
    estadoDir: path.resolve(baseDir, input.estadoDir ?? 'hygiene-vicidial'),
    inicio: input.inicio,
    fusoHorario,
    sobreposicaoSegundos: int('sobreposicaoSegundos', 120, 0, 86_400),
    janelaSegundos: int('janelaSegundos', 21_600, 60, 7 * 86_400),
    esperaOperadoraSegundos: int('esperaOperadoraSegundos', 120, 0, 86_400),
    fatia: int('fatia', 500, 10, 10_000),
    maxPorPassada: int('maxPorPassada', 20_000, 10, 1_000_000),
    intervaloSegundos: int('intervaloSegundos', 5, 1, 3600),
    idSistema,
    versoesAceitas,
  };
  if (problems.length > 0) throw new HygieneConfigError(`configuração do VICIdial inválida:\n  ${problems.join('\n  ')}`);
  return resolved;
}
