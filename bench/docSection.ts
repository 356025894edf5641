import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes a simulation's section into a doc between its markers `<!-- BEGIN name -->` / `<!-- END name -->` (appended
 * at the end when missing): the rest of the file is the lead's, and `npm run bench` keeps what follows its own part.
 * Returns the file written.
 */
export function writeDocSection(doc: string, name: string, section: string): string {
  // Run from dist/bench (the bundle, or the tsc build) or from bench/ (a TypeScript loader).
  const root = path.basename(path.dirname(__dirname)) === 'dist' ? path.resolve(__dirname, '..', '..') : path.resolve(__dirname, '..');
  const docsFile = path.join(root, 'docs', doc);
  const begin = `<!-- BEGIN ${name} -->`;
  const end = `<!-- END ${name} -->`;
  const current = readFileSync(docsFile, 'utf8');
  const block = `${begin}\n${section}${end}`;
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  const next = from >= 0 && to > from ? current.slice(0, from) + block + current.slice(to + end.length) : `${current.replace(/\n*$/, '\n')}\n${block}\n`;
  const temporary = `${docsFile}.${name.replace(/\W/g, '-')}.tmp`;
  writeFileSync(temporary, next);
  renameSync(temporary, docsFile);
  return docsFile;
}
