/**
 * The operators' command-line tools, run as the README says (`npm run <tool> -- …`, on the built
 * code): each refuses a database that is not there — exit 2 and a message naming the setting —
 * instead of creating the folder and an empty database and reporting "0 tickets"; and the bot
 * process refuses an invalid config/holidays.json at start-up.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createPgDatabase, describePg } from '../helpers/engine';

const ROOT = path.join(__dirname, '..', '..');

/** `npm run <script> -- args` with only the given environment (no .env of the developer). */
const npmRun = (script: string, args: string[], env: Record<string, string>) =>
  spawnSync('npm', ['run', '--silent', script, '--', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? os.tmpdir(), LOG_LEVEL: 'silent', ...env },
    timeout: 60_000,
  });

/** Each tool with arguments that would otherwise get as far as opening the database. */
const TOOLS: [string, string[]][] = [
  ['export-tickets', ['--from', '2026-11-01', '--to', '2026-11-30']],
  ['import-legacy', ['--file', path.join(ROOT, 'package.json'), '--tenant', 't']],
  ['import-legacy', ['--file', path.join(ROOT, 'package.json'), '--tenant', 't', '--dry-run']],
  ['export-person', ['ana@entidad.gov.co']],
  ['anonymise-person', ['ana@entidad.gov.co']],
  ['anonymise-person', ['ana@entidad.gov.co', '--dry-run']],
  ['erase-phones', []],
  ['verify-history', []],
];

beforeAll(() => {
  // The tools run the built code: build it once for this file.
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
}, 200_000);

describe('a missing SQLite database', () => {
  const base = path.join(os.tmpdir(), `mesa-missing-${randomUUID()}`);
  const dbPath = path.join(base, 'data', 'mesa-ayuda.db');
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it.each(TOOLS)('npm run %s %j: exit 2, "No database at …", nothing created', (script, args) => {
    const r = npmRun(script, args, { DB_PATH: dbPath, EXPORT_DIR: path.join(base, 'exports') });
    expect(r.stderr).toContain(`No database at ${dbPath} (DB_PATH)`);
    expect(r.status).toBe(2);
    expect(r.stdout).not.toMatch(/tickets ->|Importación terminada|Erased|Anonymised/);
    expect(fs.existsSync(base)).toBe(false);
  });

  it('npm run migrate-to-postgres refuses a missing --from file and copies nothing', () => {
    const r = npmRun('migrate-to-postgres', ['--from', dbPath, '--to', 'postgres://mesa@127.0.0.1:1/mesa'], {});
    expect(r.stdout).toContain(`No database at ${dbPath} (--from)`);
    expect(r.stdout).not.toContain('Copying');
    expect(r.status).toBe(2);
    expect(fs.existsSync(base)).toBe(false);
  });
});

describePg('a PostgreSQL database without the bot\'s tables, or out of reach', () => {
  let db: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    db = await createPgDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it.each(TOOLS.filter(([s]) => s !== 'verify-history'))('npm run %s %j: exit 2, and it creates no tables', async (script, args) => {
    const r = npmRun(script, args, { DATABASE_URL: db.url, DB_PATH: path.join(os.tmpdir(), `unused-${randomUUID()}.db`) });
    expect(r.stderr).toContain('has no Mesa de Ayuda tables');
    expect(r.status).toBe(2);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      expect((await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0].n).toBe(0);
    } finally {
      await c.end();
    }
  });

  it('npm run export-tickets names a server it cannot reach', () => {
    const r = npmRun('export-tickets', ['--from', '2026-11-01', '--to', '2026-11-30'], { DATABASE_URL: 'postgres://mesa:secret@127.0.0.1:1/mesa' });
    expect(r.stderr).toContain('Cannot reach the database at postgres://mesa:***@127.0.0.1:1/mesa (DATABASE_URL)');
    expect(r.stderr).not.toContain('secret');
    expect(r.status).toBe(2);
  });
});

describe('the bot process (npm start)', () => {
  it('refuses to start with an invalid config/holidays.json, naming the entry, and creates no database', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-start-'));
    const holidays = path.join(dir, 'holidays.json');
    fs.writeFileSync(holidays, JSON.stringify({ version: 1, add: [{ date: '2026-13-01', name: 'Día cívico' }] }));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'index.js')], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', BOT_ALLOW_ANONYMOUS: 'true', PORT: '0', LOG_LEVEL: 'silent', DB_PATH: path.join(dir, 'data', 'mesa.db'), HOLIDAYS_PATH: holidays },
    });
    expect(r.stderr).toContain(`Mesa de Ayuda could not start: HOLIDAYS_PATH ${holidays} is invalid:\n  - add.0.date: "2026-13-01" is not a calendar date`);
    expect(r.status).toBe(1);
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
