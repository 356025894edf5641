/** Public entry point of the dialer plugin. */
export { HygieneClient, type HygieneClientOptions } from './client';
export { HygieneError, HygieneApiError, HygieneConfigError, HygieneFilterError, HygieneNetworkError, OutboxLockedError, OutboxWriteError } from './errors';
export { Outbox, type OutboxStatus, type FlushStatus, type DeadLetter } from './outbox';
export { CampaignWatcher } from './watch';
export type { FilterMailingOptions, FilterResult, FilterFailurePolicy, MailingInput, MailingTarget, FilterProgress } from './mailing';
export { sipOutcome, q850Outcome, asteriskHangupOutcome, parseAmiMessage, vicidialOutcome, ownOutcome, outcomeCode, type DialerSignal, type AmiEvent } from './adapters';
export type { LogFn, LogLevel } from './logger';
export type { OutcomeReport, OutcomeBatchResult, CampaignView, MailingView, MailingCounts, NumberCheck } from '../contract/protocol';
export { VicidialConnector, resolveVicidialConfig, KNOWN_SCHEMA_VERSIONS, type VicidialConfig, type VicidialConfigInput, type VicidialHealth } from './vicidial';
