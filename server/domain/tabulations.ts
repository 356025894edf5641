import type { Outcome } from './outcomes';

/**
 * Default tabulation map. Each tenant can override any code (or add its own); its overrides win.
 * The guiding rule: only outcomes that prove the number does not exist are "invalid". Anything a carrier
 * may return for a transient reason (busy, unreachable, congestion, phone off, network failure) is "neutral",
 * because false invalids are the main complaint about dialers that auto-mark dead numbers.
 *
 * Codes are matched after normalizeTabulationCode: lower case, no accents, single spaces. Dialer signalling
 * uses prefixes: "sip:<final response>", "q850:<cause>"; VICIdial statuses and agent tabulations are bare.
 */
export function normalizeTabulationCode(code: string): string {
  return code
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(sip|q850|q\.850)\s*[: ]\s*/, (_m, kind: string) => (kind === 'sip' ? 'sip:' : 'q850:'));
}

type DefaultEntry = { code: string; outcome: Outcome; description: string };

const sip: DefaultEntry[] = [
  { code: 'sip:200', outcome: 'contact', description: 'OK (answered)' },
  { code: 'sip:404', outcome: 'invalid', description: 'Not Found' },
  { code: 'sip:410', outcome: 'invalid', description: 'Gone' },
  { code: 'sip:484', outcome: 'invalid', description: 'Address Incomplete' },
  { code: 'sip:604', outcome: 'invalid', description: 'Does Not Exist Anywhere' },
  ...[
    [403, 'Forbidden (carrier policy)'],
    [408, 'Request Timeout'],
    [480, 'Temporarily Unavailable'],
    [486, 'Busy Here'],
    [487, 'Request Terminated'],
    [488, 'Not Acceptable Here'],
    [500, 'Server Internal Error'],
    [502, 'Bad Gateway'],
    [503, 'Service Unavailable'],
    [504, 'Server Time-out'],
    [600, 'Busy Everywhere'],
    [603, 'Decline'],
  ].map(([code, description]) => ({ code: `sip:${code}`, outcome: 'neutral' as const, description: String(description) })),
];

const q850: DefaultEntry[] = [
  { code: 'q850:1', outcome: 'invalid', description: 'Unallocated (unassigned) number' },
  { code: 'q850:22', outcome: 'invalid', description: 'Number changed' },
  { code: 'q850:28', outcome: 'invalid', description: 'Invalid number format (address incomplete)' },
  ...[
    [3, 'No route to destination'],
    [16, 'Normal call clearing'],
    [17, 'User busy'],
    [18, 'No user responding'],
    [19, 'No answer from user (user alerted)'],
    [20, 'Subscriber absent'],
    [21, 'Call rejected'],
    [27, 'Destination out of order'],
    [31, 'Normal, unspecified'],
    [34, 'No circuit/channel available'],
    [38, 'Network out of order'],
    [41, 'Temporary failure'],
    [42, 'Switching equipment congestion'],
    [102, 'Recovery on timer expiry'],
  ].map(([code, description]) => ({ code: `q850:${code}`, outcome: 'neutral' as const, description: String(description) })),
];

const vicidial: DefaultEntry[] = [
  { code: 'DC', outcome: 'invalid', description: 'VICIdial: Disconnected Number' },
  { code: 'ADC', outcome: 'invalid', description: 'VICIdial: Disconnected Number (auto)' },
  ...(
    [
      ['NA', 'No Answer AutoDial'],
      ['N', 'No Answer'],
      ['B', 'Busy'],
      ['AB', 'Busy Auto'],
      ['A', 'Answering Machine'],
      ['AA', 'Answering Machine Auto'],
      ['AM', 'Answering Machine SentToMesg'],
      ['AL', 'Answering Machine Msg Played'],
      ['AFAX', 'Fax Machine Auto'],
      ['DROP', 'Agent Not Available'],
      ['PDROP', 'Outbound Pre-Routing Drop'],
      ['CPDATB', 'Busy (call progress detection)'],
      ['CPDNA', 'No Answer (call progress detection)'],
      ['CPDSNC', 'Network congestion (call progress detection)'],
      ['NEW', 'New lead'],
      ['INCALL', 'Lead being called'],
      ['ERI', 'Agent Error'],
      ['LRERR', 'Outbound local channel error'],
    ] as const
  ).map(([code, description]) => ({ code, outcome: 'neutral' as const, description: `VICIdial: ${description}` })),
  ...(
    [
      ['SALE', 'Sale Made'],
      ['NI', 'Not Interested'],
      ['DNC', 'Do Not Call'],
      ['XFER', 'Call Transferred'],
      ['CALLBK', 'Call Back'],
      ['DEC', 'Declined Sale'],
      ['NP', 'No Pitch No Price'],
      ['WN', 'Wrong Number (a person answered)'],
    ] as const
  ).map(([code, description]) => ({ code, outcome: 'contact' as const, description: `VICIdial: ${description}` })),
];

const agentPtBr: DefaultEntry[] = [
  ...['número inexistente', 'numero invalido', 'número inválido', 'telefone inexistente', 'número não existe', 'número desativado'].map(
    (code) => ({ code, outcome: 'invalid' as const, description: 'Agente: número não existe' }),
  ),
  ...[
    'atendeu',
    'atendido',
    'contato efetivo',
    'cliente atendeu',
    'venda',
    'recado',
    'número errado',
    'engano',
    'não conhece o cliente',
    'agendamento',
    'promessa de pagamento',
    'recusa',
  ].map((code) => ({ code, outcome: 'contact' as const, description: 'Agente: uma pessoa atendeu' })),
  ...[
    'não atende',
    'ocupado',
    'caixa postal',
    'secretária eletrônica',
    'fora de área',
    'telefone desligado',
    'linha muda',
    'queda de ligação',
    'fax',
    'chamada não completada',
    'congestionamento',
  ].map((code) => ({ code, outcome: 'neutral' as const, description: 'Agente: sem contato, número pode existir' })),
];

export const DEFAULT_TABULATIONS: readonly DefaultEntry[] = [...sip, ...q850, ...vicidial, ...agentPtBr];

export const DEFAULT_TABULATION_MAP: ReadonlyMap<string, Outcome> = new Map(
  DEFAULT_TABULATIONS.map((entry) => [normalizeTabulationCode(entry.code), entry.outcome]),
);
