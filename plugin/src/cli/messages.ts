/** CLI texts: Brazilian Portuguese first (the operators' language), English with --lang en / HYGIENE_LANG=en. */
export type Lang = 'pt-BR' | 'en';

export function pickLang(flag: string | undefined, env: string | undefined): Lang {
  const value = (flag ?? env ?? 'pt-BR').toLowerCase();
  return value.startsWith('en') ? 'en' : 'pt-BR';
}

export type Messages = ReturnType<typeof messages>;

/** The commands, by their canonical (English) names; each spelling the CLI accepts maps to one of them. */
export type CommandName = 'filter' | 'report' | 'outbox' | 'check';

const HELP_PT: Record<CommandName, string> = {
  filter: `  filtrar <mailing.csv>      filtra um mailing antes de discar (--campanha obrigatório)
      --campanha <id>        id da campanha no discador
      --saida <arquivo>      mailing filtrado (padrão: <mailing>-filtrado.csv)
      --rejeitados <arquivo> linhas malformadas, com a coluna hygiene_error (padrão: <mailing>-rejeitados.csv)
      --colunas <a,b>        colunas de telefone (padrão: detectadas pelo nome)
      --melhor-primeiro      ordena os telefones de cada contato pela chance de falar com o titular
                             (coluna motivo_ordem com o motivo de cada um; padrão: ordem do arquivo)
      --coluna-contato <col> coluna do CPF ou id do contato (padrão: cpf, lead_id, contato…)
      --nome <nome>          nome do mailing no console
      --falha-aberta         se o servidor estiver fora, copia o mailing SEM filtrar (padrão: recusa)
      --sem-progresso        não mostra a barra de progresso
`,
  report: `  reportar <arquivo>         envia tabulações de um CSV ou NDJSON pela fila durável
      colunas: callId, campaignId, phone, code, occurredAt (ou id_chamada, campanha, telefone, codigo, data)
      --campanha <id>        campanha das linhas sem campanha
      --tipo-codigo <tipo>   proprio (padrão) | sip | q850 | vicidial
`,
  outbox: `  fila                       mostra a fila local (pendentes, mais antiga, rejeitadas, último erro)
      --enviar               envia agora o que estiver pendente
`,
  check: `  verificar                  testa a conexão com o servidor e a chave do discador
`,
};

const HELP_EN: Record<CommandName, string> = {
  filter: `  filter <mailing.csv>       filters a mailing before dialing (--campaign required)
      --campaign <id>        the dialer's campaign id
      --out <file>           filtered mailing (default: <mailing>-filtered.csv)
      --rejects <file>       malformed rows, with a hygiene_error column (default: <mailing>-rejected.csv)
      --phone-columns <a,b>  phone columns (default: detected from their names)
      --best-first           orders each contact's phones by the chance of reaching the right person
                             (motivo_ordem column with each one's reason; default: the file's order)
      --contact-column <col> the CPF or contact-id column (default: cpf, lead_id, contato…)
      --name <name>          mailing name in the console
      --fail-open            if the server is down, copy the mailing UNFILTERED (default: refuse)
      --no-progress          no progress bar
`,
  report: `  report <file>              sends outcomes from a CSV or NDJSON file through the durable outbox
      columns: callId, campaignId, phone, code, occurredAt
      --campaign <id>        campaign of rows without one
      --code-kind <kind>     own (default) | sip | q850 | vicidial
`,
  outbox: `  outbox                     shows the local outbox (pending, oldest, dead letters, last error)
      --flush                sends what is pending now
`,
  check: `  check                      tests the connection to the server and the dialer key
`,
};

const GLOBAL_PT = `opções gerais:
  --url <url>                servidor (ou HYGIENE_URL)
  --chave <chave>            chave do discador hyg_… (ou HYGIENE_API_KEY)
  --fila-dir <pasta>         pasta da fila (ou HYGIENE_OUTBOX; padrão ./hygiene-outbox)
  --lang en                  textos em inglês (ou HYGIENE_LANG=en)
  -h, --help                 esta ajuda (também: hygiene ajuda [comando], hygiene <comando> --help)
  --version                  versão do plugin
`;

const GLOBAL_EN = `global options:
  --url <url>                server (or HYGIENE_URL)
  --key <key>                dialer key hyg_… (or HYGIENE_API_KEY)
  --outbox-dir <dir>         outbox directory (or HYGIENE_OUTBOX; default ./hygiene-outbox)
  --lang pt-BR               Portuguese texts (the default; or HYGIENE_LANG)
  -h, --help                 this help (also: hygiene help [command], hygiene <command> --help)
  --version                  the plugin's version
`;

const COMMAND_ORDER: CommandName[] = ['filter', 'report', 'outbox', 'check'];

function usagePt(command?: CommandName): string {
  if (command) return `uso: hygiene ${HELP_PT[command].trim().split(/\s{2,}/)[0]} [opções]\n\n${HELP_PT[command]}\n${GLOBAL_PT}`;
  return `uso: hygiene <comando> [opções]\n\ncomandos:\n${COMMAND_ORDER.map((name) => HELP_PT[name]).join('')}  vicidial <subcomando>      conector VICIdial: sincronizar, higienizar, desfazer (hygiene vicidial --help)\n  suprimir <arquivo.csv>     lista de não ligar: adiciona números (hygiene suprimir --help)\n\n${GLOBAL_PT}`;
}

function usageEn(command?: CommandName): string {
  if (command) return `usage: hygiene ${HELP_EN[command].trim().split(/\s{2,}/)[0]} [options]\n\n${HELP_EN[command]}\n${GLOBAL_EN}`;
  return `usage: hygiene <command> [options]\n\ncommands:\n${COMMAND_ORDER.map((name) => HELP_EN[name]).join('')}  vicidial <subcommand>      VICIdial connector: sincronizar, higienizar, desfazer (hygiene vicidial --help)\n  suppress <file.csv>        do-not-call list: adds numbers (hygiene suppress --help)\n\n${GLOBAL_EN}`;
}

export function messages(lang: Lang) {
  const nf = new Intl.NumberFormat(lang === 'en' ? 'en-US' : 'pt-BR');
  const n = (value: number) => nf.format(value);
  const mb = (bytes: number) => `${new Intl.NumberFormat(lang === 'en' ? 'en-US' : 'pt-BR', { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(bytes / 1_048_576)} MB`;
  const pt = lang === 'pt-BR';
  return {
    n,
    mb,
    usage: (command?: CommandName) => (pt ? usagePt : usageEn)(command),
    version: (version: string) => `hygiene ${version} (@mailing-hygiene/plugin)\n`,
    unknownOption: (option: string) => (pt ? `opção desconhecida: ${option}` : `unknown option: ${option}`),
    missingValue: (option: string) => (pt ? `a opção ${option} precisa de um valor` : `option ${option} needs a value`),
    unknownCommand: (command: string) => (pt ? `comando desconhecido: ${command}` : `unknown command: ${command}`),
    missing: (what: string) => (pt ? `falta ${what}` : `missing ${what}`),
    missingUrl: pt ? 'falta o servidor: use --url ou HYGIENE_URL' : 'missing the server: use --url or HYGIENE_URL',
    missingKey: pt ? 'falta a chave do discador: use --chave ou HYGIENE_API_KEY' : 'missing the dialer key: use --key or HYGIENE_API_KEY',
    missingCampaign: pt ? 'falta a campanha: use --campanha <id>' : 'missing the campaign: use --campaign <id>',
    missingFile: pt ? 'falta o arquivo de entrada' : 'missing the input file',
    fileNotFound: (file: string) => (pt ? `arquivo não encontrado: ${file}` : `file not found: ${file}`),
    rows: pt ? 'linhas' : 'rows',
    filtered: (c: { totalRows: number; keptRows: number; droppedRows: number; malformedRows: number }) =>
      pt
        ? `Mailing filtrado: ${n(c.totalRows)} linhas; ${n(c.keptRows)} mantidas, ${n(c.droppedRows)} removidas, ${n(c.malformedRows)} malformadas.`
        : `Mailing filtered: ${n(c.totalRows)} rows; ${n(c.keptRows)} kept, ${n(c.droppedRows)} dropped, ${n(c.malformedRows)} malformed.`,
    hygienized: (c: { hygienized: number; invalidPhones: number; unconfirmedPhones: number; malformedPhones: number; ninthDigitAdded?: number }) =>
      pt
        ? `${n(c.hygienized)} números higienizados, sendo ${n(c.invalidPhones)} inválidos e ${n(c.unconfirmedPhones)} não confirmados; ${n(c.malformedPhones)} malformados. Nono dígito adicionado: ${n(c.ninthDigitAdded ?? 0)} celulares.`
        : `${n(c.hygienized)} numbers hygienized: ${n(c.invalidPhones)} invalid and ${n(c.unconfirmedPhones)} unconfirmed; ${n(c.malformedPhones)} malformed. Ninth digit added: ${n(c.ninthDigitAdded ?? 0)} mobiles.`,
    rightParty: (c: { rightPartyQualified: number; rightPartyNotQualified: number; rightPartyInactive: number }) =>
      pt
        ? `Telefones por contato: ${n(c.rightPartyQualified)} qualificados, ${n(c.rightPartyNotQualified)} não qualificados, ${n(c.rightPartyInactive)} inativos.`
        : `Phones per contact: ${n(c.rightPartyQualified)} qualified (right party), ${n(c.rightPartyNotQualified)} not qualified, ${n(c.rightPartyInactive)} inactive.`,
    suppressed: (count: number) =>
      pt ? `${n(count)} números suprimidos (listas de não ligar da finalidade da campanha).` : `${n(count)} numbers suppressed (do-not-call lists of the campaign's purpose).`,
    hygieneOff: pt
      ? 'Atenção: a higienização está DESATIVADA nesta campanha; nenhum número foi higienizado (um admin ativa no console). Listas de não ligar valem mesmo assim.'
      : 'Warning: hygiene is OFF for this campaign; no number was hygienized (an admin turns it on in the console). Do-not-call lists apply anyway.',
    unfiltered: (reason: string) =>
      pt
        ? `ATENÇÃO: servidor fora do ar (${reason}). --falha-aberta: o mailing foi copiado SEM FILTRO.`
        : `WARNING: server unreachable (${reason}). --fail-open: the mailing was copied UNFILTERED.`,
    outputs: (kept: string, rejects: string) => (pt ? `Arquivo filtrado: ${kept}\nRejeitados: ${rejects}` : `Filtered file: ${kept}\nRejects: ${rejects}`),
    throughput: (rows: number, seconds: number, bytes: number) =>
      pt
        ? `${n(rows)} linhas em ${seconds.toFixed(1)} s (${n(Math.round(rows / Math.max(seconds, 0.001)))} linhas/s, ${mb(bytes / Math.max(seconds, 0.001))}/s)`
        : `${n(rows)} rows in ${seconds.toFixed(1)} s (${n(Math.round(rows / Math.max(seconds, 0.001)))} rows/s, ${mb(bytes / Math.max(seconds, 0.001))}/s)`,
    queued: (count: number) => (pt ? `${n(count)} tabulações gravadas na fila local.` : `${n(count)} outcomes written to the local outbox.`),
    delivered: (d: { accepted: number; duplicates: number; rejected: number }) =>
      pt
        ? `Enviadas: ${n(d.accepted)} aceitas, ${n(d.duplicates)} duplicadas (já contadas), ${n(d.rejected)} rejeitadas.`
        : `Sent: ${n(d.accepted)} accepted, ${n(d.duplicates)} duplicates (already counted), ${n(d.rejected)} rejected.`,
    stillPending: (count: number, reason: string) =>
      pt
        ? `O servidor não recebeu tudo (${reason}). ${n(count)} tabulações continuam na fila e serão enviadas por "hygiene fila --enviar" ou pelo próximo "reportar". Nada foi perdido.`
        : `The server did not take everything (${reason}). ${n(count)} outcomes stay in the outbox and go out with "hygiene outbox --flush" or the next "report". Nothing was lost.`,
    deadLettered: (count: number, file: string) =>
      pt
        ? `ATENÇÃO: ${n(count)} tabulações foram RECUSADAS pelo servidor e NÃO foram contadas; estão em ${file}. Corrija o mapa de tabulações ou os dados e reenvie-as com "hygiene reportar".`
        : `WARNING: ${n(count)} outcomes were REFUSED by the server and NOT counted; they are in ${file}. Fix the tabulation map or the data and report them again with "hygiene report".`,
    outboxWriteFailed: (queued: number, reason: string) =>
      pt
        ? `Não foi possível gravar na fila local (${reason}). ${n(queued)} tabulações gravadas antes estão seguras e serão enviadas; as demais NÃO foram gravadas: libere espaço e rode "hygiene reportar" de novo (as já contadas voltam como duplicadas).`
        : `Could not write to the local outbox (${reason}). ${n(queued)} outcomes written before are safe and will be sent; the rest were NOT written: free some space and run "hygiene report" again (those already counted come back as duplicates).`,
    blocked: (reason: string | null) =>
      reason === null ? '' : pt ? `  BLOQUEADA: o servidor recusou a chave do discador (${reason}); nada é enviado até haver uma chave válida` : `  BLOCKED: the server refused the dialer key (${reason}); nothing is sent until a valid key is configured`,
    badRow: (line: number, message: string) => (pt ? `linha ${line}: ${message}` : `line ${line}: ${message}`),
    outboxTitle: (dir: string) => (pt ? `Fila local: ${dir}` : `Local outbox: ${dir}`),
    pending: (count: number) => (pt ? `  pendentes: ${n(count)}` : `  pending: ${n(count)}`),
    oldest: (at: string | null, ageMs: number | null) =>
      at === null ? (pt ? '  mais antiga: —' : '  oldest: —') : pt ? `  mais antiga: ${at} (há ${Math.round((ageMs ?? 0) / 1000)} s)` : `  oldest: ${at} (${Math.round((ageMs ?? 0) / 1000)} s ago)`,
    deadLetters: (count: number, file: string) =>
      pt ? `  rejeitadas pelo servidor (não reenviadas): ${n(count)}${count ? ` — veja ${file}` : ''}` : `  refused by the server (not retried): ${n(count)}${count ? ` — see ${file}` : ''}`,
    lastError: (error: { at: string; message: string } | null) =>
      error ? (pt ? `  último erro: ${error.at} ${error.message}` : `  last error: ${error.at} ${error.message}`) : pt ? '  último erro: —' : '  last error: —',
    lastDelivery: (at: string | null) => (pt ? `  última entrega: ${at ?? '—'}` : `  last delivery: ${at ?? '—'}`),
    serverOk: (url: string, ms: number) => (pt ? `Servidor ${url} acessível (${ms} ms).` : `Server ${url} reachable (${ms} ms).`),
    serverDown: (url: string, reason: string) => (pt ? `Servidor ${url} inacessível: ${reason}` : `Server ${url} unreachable: ${reason}`),
    keyOk: (campaigns: number) => (pt ? `Chave do discador aceita (${n(campaigns)} campanhas).` : `Dialer key accepted (${n(campaigns)} campaigns).`),
    keyRefused: (reason: string) => (pt ? `Chave do discador recusada: ${reason}` : `Dialer key refused: ${reason}`),
    filterIncomplete: (reason: string) =>
      pt
        ? `Erro: o mailing NÃO foi filtrado até o fim (${reason}). Nenhum arquivo de saída foi gravado; não disque este mailing — rode "hygiene filtrar" de novo.`
        : `Error: the mailing was NOT filtered to its end (${reason}). No output file was written; do not dial this mailing — run "hygiene filter" again.`,
    failed: (message: string) => (pt ? `Erro: ${message}` : `Error: ${message}`),
  };
}
