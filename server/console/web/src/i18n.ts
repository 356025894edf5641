/**
 * Brazilian Portuguese first, English available. The choice is remembered in localStorage. Messages with numbers
 * are functions so plurals read naturally ("1 número higienizado", "163 números higienizados").
 */
export type Lang = 'pt-BR' | 'en';
type Params = Record<string, string | number>;
type Message = string | ((p: Params) => string);

const plural = (n: number | string | undefined, one: string, many: string) => (Number(n) === 1 ? one : many);
// Counts arrive raw (so plurals see the number) and are formatted here: 1.000 in Portuguese, 1,000 in English.
const num = (n: number | string | undefined) => formatNumber(Number(n));

const pt = {
  appTitle: 'Higienização de Mailing',
  skipToContent: 'Pular para o conteúdo',
  language: 'Idioma',
  signOut: 'Sair',
  nav: 'Menu principal',
  navCampaigns: 'Campanhas',
  navTabulations: 'Tabulações',
  navKeys: 'Chaves do discador',
  loading: 'Carregando…',
  retry: 'Tentar novamente',
  retryNow: 'Tentar agora',
  cancel: 'Cancelar',
  close: 'Fechar',
  // sign in
  signInTitle: 'Entrar no console',
  signInIntro: 'Use o e-mail e a senha de administrador da sua empresa.',
  email: 'E-mail',
  password: 'Senha',
  signIn: 'Entrar',
  signingIn: 'Entrando…',
  sessionExpired: 'Sua sessão expirou. Entre novamente para continuar.',
  signedOut: 'Você saiu do console.',
  wrongCredentials: 'E-mail ou senha incorretos.',
  // connection and errors
  offline: 'Sem conexão com o servidor. Tentando reconectar…',
  reconnected: 'Conexão com o servidor restabelecida.',
  errNetwork: 'Sem conexão com o servidor: a alteração não foi enviada. Tente novamente.',
  errNetworkLoad: 'Sem conexão com o servidor: não foi possível carregar esta página. Tente novamente.',
  errRejected: (p: Params) => `O servidor recusou a alteração: ${p.message}`,
  errForbidden: (p: Params) => `Você não tem permissão para isso: ${p.message}`,
  errNotFound: (p: Params) => `Não encontrado: ${p.message}`,
  errRateLimited: (p: Params) => `Muitas tentativas: ${p.message}`,
  errServer: (p: Params) => `Erro no servidor (código da requisição ${p.requestId}). Tente novamente.`,
  // campaigns
  campaignsTitle: 'Campanhas',
  campaignsIntro:
    'Com a Higienização de Mailing ativa, os resultados das ligações da campanha são compartilhados de forma anônima e os mailings são filtrados: números com 10 tabulações de inválido são removidos.',
  noCampaigns: 'Nenhuma campanha ainda. As campanhas aparecem aqui quando o discador as registra (com uma chave do discador).',
  campaign: 'Campanha',
  campaignId: 'Identificador',
  hygieneSwitch: 'Higienização de Mailing',
  on: 'Ativada',
  off: 'Desativada',
  saving: 'Salvando…',
  changedBy: (p: Params) => `Alterada por ${p.actor} em ${p.at}`,
  neverChanged: 'Nunca alterada',
  history: 'Histórico',
  historyOf: (p: Params) => `Histórico da campanha ${p.name}`,
  historyEmpty: 'Nenhuma alteração registrada.',
  historyOn: 'ativou a higienização',
  historyOff: 'desativou a higienização',
  viewMailings: 'Ver mailings',
  viewMailingsOf: (p: Params) => `Ver mailings da campanha ${p.name}`,
  confirmOnTitle: 'Ativar a Higienização de Mailing?',
  confirmOffTitle: 'Desativar a Higienização de Mailing?',
  confirmOnBody: (p: Params) =>
    `Na campanha "${p.name}", os resultados das ligações passarão a ser compartilhados de forma anônima (apenas número pseudonimizado e status) e os próximos mailings serão filtrados com o histórico compartilhado.`,
  confirmOffBody: (p: Params) =>
    `Na campanha "${p.name}", os próximos mailings não serão mais filtrados e os resultados das ligações deixarão de ser compartilhados.`,
  confirmOn: 'Ativar',
  confirmOff: 'Desativar',
  liveCampaign: (p: Params) => `Campanha ${p.name}: higienização ${p.state} por ${p.actor}.`,
  stateOn: 'ativada',
  stateOff: 'desativada',
  // mailings
  backToCampaigns: '← Campanhas',
  mailingsTitle: 'Mailings',
  noMailings: 'Nenhum mailing filtrado nesta campanha ainda. Eles aparecem aqui, ao vivo, quando o discador envia um mailing.',
  mailing: 'Mailing',
  status: 'Status',
  received: 'Números recebidos',
  hygienized: 'Higienizados',
  kept: 'Linhas mantidas',
  dropped: 'Linhas removidas',
  malformed: 'Malformados',
  created: 'Recebido em',
  running: 'Filtrando…',
  completed: 'Concluído',
  failed: 'Falhou',
  hygieneNotApplied: 'sem higienização',
  hygieneNotAppliedHint: 'A higienização estava desativada quando este mailing foi filtrado.',
  countDetail: (p: Params) =>
    `${num(p.hygienized)} ${plural(p.hygienized, 'número higienizado', 'números higienizados')}, sendo ${num(p.invalid)} ${plural(p.invalid, 'inválido', 'inválidos')} e ${num(p.unconfirmed)} ${plural(p.unconfirmed, 'não confirmado', 'não confirmados')}`,
  countHint: 'Passe o mouse ou use Tab sobre o número para ver o detalhe.',
  liveMailingDone: (p: Params) => `Mailing ${p.name} concluído: ${p.detail}.`,
  liveMailingStarted: (p: Params) => `Mailing ${p.name} recebido; filtrando.`,
  // chart
  chartTenant: 'Status da higienização por dia: todas as campanhas (últimos 30 dias)',
  chartCampaign: 'Status da higienização por dia: esta campanha (últimos 30 dias)',
  chartEmpty: 'Sem mailings higienizados nos últimos 30 dias.',
  invalid: 'Inválidos',
  unconfirmed: 'Não confirmados',
  day: 'Dia',
  mailings: 'Mailings',
  phones: 'Números',
  share: '% higienizado',
  chartTable: 'Ver os dados em tabela',
  chartBar: (p: Params) => `${p.day}: ${p.detail} (de ${p.phones} números)`,
  // tabulations
  tabulationsTitle: 'Mapa de tabulações',
  tabulationsIntro:
    'Cada código do seu discador conta como inválido (número inexistente ou desligado), contato (uma pessoa atendeu) ou neutro (ocupado, sem resposta, caixa postal, falha temporária). Só "inválido" conta para remover um número.',
  search: 'Buscar código ou descrição',
  outcomeFilter: 'Filtrar por resultado',
  sourceFilter: 'Filtrar por origem',
  all: 'Todos',
  outcome_invalid: 'Inválido',
  outcome_contact: 'Contato',
  outcome_neutral: 'Neutro',
  sourceDefault: 'Padrão',
  sourceTenant: 'Personalizado',
  code: 'Código',
  description: 'Descrição',
  outcome: 'Resultado',
  source: 'Origem',
  actions: 'Ações',
  outcomeOf: (p: Params) => `Resultado do código ${p.code}`,
  customizedBy: (p: Params) => `por ${p.actor} em ${p.at}`,
  defaultWas: (p: Params) => `padrão: ${p.outcome}`,
  revert: 'Restaurar padrão',
  revertOf: (p: Params) => `Restaurar o padrão do código ${p.code}`,
  remove: 'Remover',
  removeOf: (p: Params) => `Remover o código ${p.code}`,
  saved: 'Salvo.',
  addCode: 'Adicionar código próprio',
  newCode: 'Código da tabulação',
  newCodeHint: 'Como o discador envia: por exemplo "numero errado", "sip:404" ou "q850:1".',
  add: 'Adicionar',
  codeRequired: 'Informe o código.',
  shown: (p: Params) => `${p.count} de ${p.total} códigos`,
  tabulationsChanged: 'O mapa de tabulações foi alterado por outro administrador; a lista foi atualizada.',
  // keys
  keysTitle: 'Chaves do discador',
  keysIntro: 'Cada discador usa uma chave para enviar tabulações e filtrar mailings. A chave aparece uma única vez, ao ser criada.',
  keyName: 'Nome da chave',
  keyNameHint: 'Por exemplo, o nome do servidor do discador.',
  createKey: 'Criar chave',
  newKeyTitle: 'Nova chave criada',
  newKeyWarning: 'Copie a chave agora: ela não será mostrada novamente.',
  newKeyLabel: 'Chave do discador',
  copy: 'Copiar',
  copied: 'Chave copiada.',
  copyFailed: 'Não foi possível copiar; selecione o texto e copie manualmente.',
  done: 'Concluído',
  name: 'Nome',
  prefix: 'Prefixo',
  createdBy: 'Criada por',
  lastUsed: 'Último uso',
  never: 'nunca',
  active: 'Ativa',
  revokedAt: (p: Params) => `Revogada em ${p.at} por ${p.actor}`,
  revoke: 'Revogar',
  revokeOf: (p: Params) => `Revogar a chave ${p.name}`,
  revokeTitle: 'Revogar a chave?',
  revokeBody: (p: Params) => `O discador que usa a chave "${p.name}" (${p.prefix}…) deixará de ser aceito imediatamente. Isso não pode ser desfeito.`,
  noKeys: 'Nenhuma chave ainda.',
  keyRevoked: (p: Params) => `Chave ${p.name} revogada.`,
} satisfies Record<string, Message>;

export type MessageKey = keyof typeof pt;

const en: Record<MessageKey, Message> = {
  appTitle: 'Mailing Hygiene',
  skipToContent: 'Skip to content',
  language: 'Language',
  signOut: 'Sign out',
  nav: 'Main menu',
  navCampaigns: 'Campaigns',
  navTabulations: 'Tabulations',
  navKeys: 'Dialer keys',
  loading: 'Loading…',
  retry: 'Try again',
  retryNow: 'Retry now',
  cancel: 'Cancel',
  close: 'Close',
  signInTitle: 'Sign in to the console',
  signInIntro: "Use your company's administrator email and password.",
  email: 'Email',
  password: 'Password',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  sessionExpired: 'Your session expired. Sign in again to continue.',
  signedOut: 'You signed out.',
  wrongCredentials: 'Wrong email or password.',
  offline: 'No connection to the server. Reconnecting…',
  reconnected: 'Connection to the server restored.',
  errNetwork: 'No connection to the server: the change was not sent. Try again.',
  errNetworkLoad: 'No connection to the server: this page could not be loaded. Try again.',
  errRejected: (p) => `The server rejected the change: ${p.message}`,
  errForbidden: (p) => `You are not allowed to do this: ${p.message}`,
  errNotFound: (p) => `Not found: ${p.message}`,
  errRateLimited: (p) => `Too many attempts: ${p.message}`,
  errServer: (p) => `Server error (request id ${p.requestId}). Try again.`,
  campaignsTitle: 'Campaigns',
  campaignsIntro:
    "With Mailing Hygiene on, the campaign's call outcomes are shared anonymously and its mailings are filtered: numbers with 10 invalid tabulations are removed.",
  noCampaigns: 'No campaigns yet. Campaigns appear here when the dialer registers them (with a dialer key).',
  campaign: 'Campaign',
  campaignId: 'Id',
  hygieneSwitch: 'Mailing Hygiene',
  on: 'On',
  off: 'Off',
  saving: 'Saving…',
  changedBy: (p) => `Changed by ${p.actor} on ${p.at}`,
  neverChanged: 'Never changed',
  history: 'History',
  historyOf: (p) => `History of campaign ${p.name}`,
  historyEmpty: 'No changes recorded.',
  historyOn: 'turned hygiene on',
  historyOff: 'turned hygiene off',
  viewMailings: 'View mailings',
  viewMailingsOf: (p) => `View mailings of campaign ${p.name}`,
  confirmOnTitle: 'Turn Mailing Hygiene on?',
  confirmOffTitle: 'Turn Mailing Hygiene off?',
  confirmOnBody: (p) =>
    `For campaign "${p.name}", call outcomes will be shared anonymously (pseudonymized number and status only) and the next mailings will be filtered with the shared history.`,
  confirmOffBody: (p) => `For campaign "${p.name}", the next mailings will no longer be filtered and call outcomes will no longer be shared.`,
  confirmOn: 'Turn on',
  confirmOff: 'Turn off',
  liveCampaign: (p) => `Campaign ${p.name}: hygiene ${p.state} by ${p.actor}.`,
  stateOn: 'turned on',
  stateOff: 'turned off',
  backToCampaigns: '← Campaigns',
  mailingsTitle: 'Mailings',
  noMailings: 'No mailing filtered in this campaign yet. They appear here, live, when the dialer sends one.',
  mailing: 'Mailing',
  status: 'Status',
  received: 'Numbers received',
  hygienized: 'Hygienized',
  kept: 'Rows kept',
  dropped: 'Rows removed',
  malformed: 'Malformed',
  created: 'Received',
  running: 'Filtering…',
  completed: 'Completed',
  failed: 'Failed',
  hygieneNotApplied: 'no hygiene',
  hygieneNotAppliedHint: 'Hygiene was off when this mailing was filtered.',
  countDetail: (p) =>
    `${num(p.hygienized)} ${plural(p.hygienized, 'number', 'numbers')} hygienized: ${num(p.invalid)} invalid and ${num(p.unconfirmed)} unconfirmed`,
  countHint: 'Hover or tab onto the number to see the detail.',
  liveMailingDone: (p) => `Mailing ${p.name} completed: ${p.detail}.`,
  liveMailingStarted: (p) => `Mailing ${p.name} received; filtering.`,
  chartTenant: 'Hygiene status per day: all campaigns (last 30 days)',
  chartCampaign: 'Hygiene status per day: this campaign (last 30 days)',
  chartEmpty: 'No hygienized mailings in the last 30 days.',
  invalid: 'Invalid',
  unconfirmed: 'Unconfirmed',
  day: 'Day',
  mailings: 'Mailings',
  phones: 'Numbers',
  share: '% hygienized',
  chartTable: 'Show the data as a table',
  chartBar: (p) => `${p.day}: ${p.detail} (of ${p.phones} numbers)`,
  tabulationsTitle: 'Tabulation map',
  tabulationsIntro:
    'Each code of your dialer counts as invalid (number does not exist or is disconnected), contact (a person answered) or neutral (busy, no answer, voicemail, temporary failure). Only "invalid" counts towards removing a number.',
  search: 'Search code or description',
  outcomeFilter: 'Filter by outcome',
  sourceFilter: 'Filter by source',
  all: 'All',
  outcome_invalid: 'Invalid',
  outcome_contact: 'Contact',
  outcome_neutral: 'Neutral',
  sourceDefault: 'Default',
  sourceTenant: 'Custom',
  code: 'Code',
  description: 'Description',
  outcome: 'Outcome',
  source: 'Source',
  actions: 'Actions',
  outcomeOf: (p) => `Outcome of code ${p.code}`,
  customizedBy: (p) => `by ${p.actor} on ${p.at}`,
  defaultWas: (p) => `default: ${p.outcome}`,
  revert: 'Revert to default',
  revertOf: (p) => `Revert code ${p.code} to its default`,
  remove: 'Remove',
  removeOf: (p) => `Remove code ${p.code}`,
  saved: 'Saved.',
  addCode: 'Add your own code',
  newCode: 'Tabulation code',
  newCodeHint: 'As the dialer sends it: for example "wrong number", "sip:404" or "q850:1".',
  add: 'Add',
  codeRequired: 'Enter the code.',
  shown: (p) => `${p.count} of ${p.total} codes`,
  tabulationsChanged: 'Another administrator changed the tabulation map; the list was refreshed.',
  keysTitle: 'Dialer keys',
  keysIntro: 'Each dialer uses a key to report tabulations and filter mailings. A key is shown only once, when created.',
  keyName: 'Key name',
  keyNameHint: "For example, the dialer server's name.",
  createKey: 'Create key',
  newKeyTitle: 'New key created',
  newKeyWarning: 'Copy the key now: it will not be shown again.',
  newKeyLabel: 'Dialer key',
  copy: 'Copy',
  copied: 'Key copied.',
  copyFailed: 'Could not copy; select the text and copy it by hand.',
  done: 'Done',
  name: 'Name',
  prefix: 'Prefix',
  createdBy: 'Created by',
  lastUsed: 'Last used',
  never: 'never',
  active: 'Active',
  revokedAt: (p) => `Revoked on ${p.at} by ${p.actor}`,
  revoke: 'Revoke',
  revokeOf: (p) => `Revoke key ${p.name}`,
  revokeTitle: 'Revoke the key?',
  revokeBody: (p) => `The dialer using key "${p.name}" (${p.prefix}…) will be refused at once. This cannot be undone.`,
  noKeys: 'No keys yet.',
  keyRevoked: (p) => `Key ${p.name} revoked.`,
};

const dictionaries: Record<Lang, Record<MessageKey, Message>> = { 'pt-BR': pt, en };
const STORAGE_KEY = 'hyg.lang';

function initialLang(): Lang {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'en' || stored === 'pt-BR') return stored;
  } catch {
    // storage blocked: fall back to the default
  }
  return 'pt-BR';
}

let current: Lang = initialLang();

export const lang = (): Lang => current;

export function setLang(next: Lang): void {
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // not remembered, still applied
  }
  document.documentElement.lang = next;
}

export function t(key: MessageKey, params: Params = {}): string {
  const message = dictionaries[current][key];
  return typeof message === 'function' ? message(params) : message;
}

export const formatNumber = (n: number) => new Intl.NumberFormat(current).format(n);

export const formatDateTime = (iso: string) =>
  new Intl.DateTimeFormat(current, { dateStyle: 'short', timeStyle: 'short', timeZone: 'America/Sao_Paulo' }).format(new Date(iso));

/** The seed's sentence: "163 números higienizados, sendo 61 inválidos e 102 não confirmados". */
export const countDetail = (counts: { hygienized: number; invalidPhones: number; unconfirmedPhones: number }) =>
  t('countDetail', { hygienized: counts.hygienized, invalid: counts.invalidPhones, unconfirmed: counts.unconfirmedPhones });
