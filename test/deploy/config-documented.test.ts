import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** The variables server/config.ts reads: the keys of its envSchema object. */
function configVariables(): string[] {
  const source = read('server/config.ts');
  const start = source.indexOf('const envSchema = z.object({');
  const end = source.indexOf('\n});', start);
  if (start < 0 || end < 0) throw new Error('server/config.ts: envSchema not found');
  return [...source.slice(start, end).matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1]!);
}

describe('the deployment documents every configuration variable', () => {
  const variables = configVariables();

  it('when server/config.ts is read, then it has the variables this check expects to find', () => {
    expect(variables).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'PSEUDONYM_KEY', 'LOG_LEVEL']));
  });

  it('when docs/deployment.md and deploy/hygiene.env.example are read, then each names every variable', () => {
    const table = read('docs/deployment.md');
    const template = read('deploy/hygiene.env.example');
    expect(variables.filter((name) => !table.includes(`\`${name}\``))).toEqual([]);
    expect(variables.filter((name) => !new RegExp(`^#? ?${name}=`, 'm').test(template))).toEqual([]);
  });

  it('when the env template is read, then it holds no secret value', () => {
    const template = read('deploy/hygiene.env.example');
    expect(template).not.toMatch(/^(JWT_SECRET|PSEUDONYM_KEY|OPERATOR_TOKEN)=\S/m);
  });
});
