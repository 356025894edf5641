/** The VICIdial connector: sync of calls, suppression of dead phones, undo (docs/vicidial.md). */
export { VicidialConnector, type VicidialHealth } from './connector';
export { resolveVicidialConfig, type VicidialConfig, type VicidialConfigInput } from './config';
export { KNOWN_SCHEMA_VERSIONS } from './schema';
export type { SuppressReport, UndoReport } from './suppress';
export type { PassResult } from './sync';
