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

/**
 * Why a normalized code cannot be a tabulation, or null. Signalling codes are checked by type, so a slip of the
 * keyboard ("sip:99999999") is refused instead of becoming a rule nobody's dialer will ever send:
 * SIP final responses are 100–699 (RFC 3261), Q.850 cause values 1–127.
 */
export function tabulationCodeProblem(code: string): string | null {
  if (!code) return 'must not be empty';
  const signalling = /^(sip|q850):(.*)$/.exec(code);
  if (!signalling) return null;
  const [, kind, value] = signalling as unknown as [string, 'sip' | 'q850', string];
  const [min, max] = kind === 'sip' ? [100, 699] : [1, 127];
  const number = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
  return number >= min && number <= max ? null : `a ${kind === 'sip' ? 'SIP response' : 'Q.850 cause'} must be a number from ${min} to ${max}`;
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

/**
 * Right party (CPC) and wrong party: a person answered, the contact themself or someone else. Both are contacts to the
 * shared history; they also set the tenant's own contact–phone state when the outcome names the contact (cpf or
 * contactId; server/domain/rightParty.ts).
 */
const rightPartyPtBr: DefaultEntry[] = [
  ...['cpc', 'titular', 'alo titular', 'falou com o titular', 'contato com o titular', 'right party'].map(
    (code) => ({ code, outcome: 'right_party' as const, description: 'Agente: falou com o titular' }),
  ),
  ...['nao conhece', 'não conhece o cliente', 'engano', 'número errado', 'número de outra pessoa', 'terceiro', 'wrong party'].map(
    (code) => ({ code, outcome: 'wrong_party' as const, description: 'Agente: número de outra pessoa (não conhece o titular)' }),
  ),
];

/** pt-BR descriptions of the defaults (the console shows them in Portuguese; `description` stays English). */
const DESCRIPTIONS_PT_BR: Readonly<Record<string, string>> = {
  'sip:200': 'OK (atendida)',
  'sip:404': 'Não encontrado',
  'sip:410': 'Não existe mais',
  'sip:484': 'Endereço incompleto',
  'sip:604': 'Não existe em lugar nenhum',
  'sip:403': 'Proibido (política da operadora)',
  'sip:408': 'Tempo de requisição esgotado',
  'sip:480': 'Temporariamente indisponível',
  'sip:486': 'Ocupado',
  'sip:487': 'Requisição encerrada',
  'sip:488': 'Não aceitável aqui',
  'sip:500': 'Erro interno do servidor',
  'sip:502': 'Gateway inválido',
  'sip:503': 'Serviço indisponível',
  'sip:504': 'Tempo do servidor esgotado',
  'sip:600': 'Ocupado em todos os destinos',
  'sip:603': 'Recusada',
  'q850:1': 'Número não alocado (inexistente)',
  'q850:22': 'Número mudou',
  'q850:28': 'Formato de número inválido (endereço incompleto)',
  'q850:3': 'Sem rota para o destino',
  'q850:16': 'Desligamento normal',
  'q850:17': 'Usuário ocupado',
  'q850:18': 'Usuário não responde',
  'q850:19': 'Sem resposta (telefone tocou)',
  'q850:20': 'Assinante ausente',
  'q850:21': 'Chamada rejeitada',
  'q850:27': 'Destino fora de serviço',
  'q850:31': 'Normal, não especificado',
  'q850:34': 'Sem circuito/canal disponível',
  'q850:38': 'Rede fora de serviço',
  'q850:41': 'Falha temporária',
  'q850:42': 'Congestionamento na central',
  'q850:102': 'Recuperação por tempo esgotado',
  'DC': 'VICIdial: número desconectado',
  'ADC': 'VICIdial: número desconectado (automático)',
  'NA': 'VICIdial: sem resposta (discagem automática)',
  'N': 'VICIdial: sem resposta',
  'B': 'VICIdial: ocupado',
  'AB': 'VICIdial: ocupado (automático)',
  'A': 'VICIdial: secretária eletrônica',
  'AA': 'VICIdial: secretária eletrônica (automático)',
  'AM': 'VICIdial: secretária eletrônica, enviado à mensagem',
  'AL': 'VICIdial: secretária eletrônica, mensagem tocada',
  'AFAX': 'VICIdial: fax (automático)',
  'DROP': 'VICIdial: agente indisponível',
  'PDROP': 'VICIdial: queda antes do roteamento',
  'CPDATB': 'VICIdial: ocupado (detecção de progresso)',
  'CPDNA': 'VICIdial: sem resposta (detecção de progresso)',
  'CPDSNC': 'VICIdial: congestionamento de rede (detecção de progresso)',
  'NEW': 'VICIdial: lead novo',
  'INCALL': 'VICIdial: lead em ligação',
  'ERI': 'VICIdial: erro do agente',
  'LRERR': 'VICIdial: erro de canal local',
  'SALE': 'VICIdial: venda realizada',
  'NI': 'VICIdial: sem interesse',
  'DNC': 'VICIdial: não ligar',
  'XFER': 'VICIdial: chamada transferida',
  'CALLBK': 'VICIdial: retornar ligação',
  'DEC': 'VICIdial: venda recusada',
  'NP': 'VICIdial: sem apresentação, sem preço',
  'WN': 'VICIdial: número errado (uma pessoa atendeu)',
};

/** English for the agents' Portuguese tabulations, for the console's English switch. */
const AGENT_DESCRIPTIONS_EN: Readonly<Record<string, string>> = {
  'Agente: número não existe': 'Agent: number does not exist',
  'Agente: uma pessoa atendeu': 'Agent: a person answered',
  'Agente: sem contato, número pode existir': 'Agent: no contact, the number may exist',
  'Agente: falou com o titular': 'Agent: spoke with the contact (right party)',
  'Agente: número de outra pessoa (não conhece o titular)': "Agent: someone else's number (does not know the contact)",
};

/** A default's description in both languages of the console. */
export function describeDefault(entry: { code: string; description: string }): { en: string; ptBr: string } {
  const english = AGENT_DESCRIPTIONS_EN[entry.description];
  return english ? { en: english, ptBr: entry.description } : { en: entry.description, ptBr: DESCRIPTIONS_PT_BR[entry.code] ?? entry.description };
}

export const DEFAULT_TABULATIONS: readonly DefaultEntry[] = [...sip, ...q850, ...vicidial, ...agentPtBr, ...rightPartyPtBr];

export const DEFAULT_TABULATION_MAP: ReadonlyMap<string, Outcome> = new Map(
  DEFAULT_TABULATIONS.map((entry) => [normalizeTabulationCode(entry.code), entry.outcome]),
);
