/**
 * The README's commands exist: every `npm run X` it names is a script of package.json (one was lost
 * in a merge once), and the operators' tools run the built code instead of rebuilding each time.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const scripts: Record<string, string> = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;

/** The tools an operator runs on the bot's database (README: "Operations", "Import old cases", …). */
const DATABASE_TOOLS = ['export-tickets', 'import-legacy', 'verify-history', 'export-person', 'anonymise-person', 'erase-phones', 'migrate-to-postgres'];

describe('the README and package.json', () => {
  const named = [...new Set([...readme.matchAll(/npm run ([A-Za-z0-9:_-]+)/g)].map((m) => m[1]))];

  it('names npm scripts at all (the pattern finds them)', () => {
    expect(named).toEqual(expect.arrayContaining(['dev', 'import-legacy', 'export-tickets', 'verify-history']));
  });

  it.each(named)('has a script for "npm run %s"', (name) => {
    expect(Object.keys(scripts)).toContain(name);
  });

  it.each(DATABASE_TOOLS)('runs "npm run %s" on the built code without rebuilding, from a file built from src/cli', (name) => {
    const m = /^node dist\/cli\/([a-z-]+)\.js\b/.exec(scripts[name]);
    expect(m).not.toBeNull();
    expect(scripts[name]).not.toContain('build');
    expect(fs.existsSync(path.join(ROOT, 'src', 'cli', `${m![1]}.ts`))).toBe(true);
  });
});
