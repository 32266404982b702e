/**
 * Two processes filing at the same moment on one database file: every radicado is distinct and the
 * numbers run 1..N with no gap and no duplicate (the per-year counter is bumped under the write lock).
 * The storage modules are compiled on the fly into a temporary folder and loaded by plain `node`.
 * SQLite only (one file shared by processes); the PostgreSQL pass has two-instances-postgres.test.ts.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { migrate, openDb } from '../../src/storage/db';
import { describeSqlite } from '../helpers/engine';

const ROOT = path.resolve(__dirname, '../..');
const PER_PROCESS = 2000;
const YEAR = 2026;

const CHILD = `
const { openDb } = require(process.env.BUILD + '/storage/db.js');
const { SqlTicketRepository } = require(process.env.BUILD + '/storage/tickets.js');
const { SqliteSql } = require(process.env.BUILD + '/storage/engines/sqlite.js');
const readline = require('node:readline');
const db = openDb(process.env.DB_FILE);
const repo = new SqlTicketRepository(new SqliteSql(db));
const who = process.env.WHO;
const n = Number(process.env.COUNT);
process.stdout.write('ready\\n');
const rl = readline.createInterface({ input: process.stdin });
rl.once('line', async () => {
  rl.close();
  const radicados = [];
  for (let i = 0; i < n; i++) {
    const { ticket, created } = await repo.create(
      {
        submissionKey: who + ':' + i,
        requester: { oid: 'oid-' + who, tenantId: 'tenant-1', name: 'Proceso ' + who, email: who + '@entidad.gov.co' },
        locale: 'es',
        phone: '+57 300 123 4567',
        contactChannel: 'teams',
        categoryId: 'mesa-servicio-primer-nivel',
        serviceId: 'acceso-remoto',
        templateId: 'solicitud-acceso-remoto',
        fieldValues: { accessType: 'vpn' },
        description: 'Caso de carga ' + i,
        priority: 'medium',
        createdAt: new Date(),
      },
      'MDA',
      ${YEAR},
      (t) => [{ channel: 'mail', paceKey: 'mail:' + who, ticketId: t.id, payload: { type: 'mail', to: who + '@entidad.gov.co', ticketId: t.id, template: 'ticket_created' } }],
    );
    if (!created) throw new Error('not created: ' + i);
    radicados.push(ticket.radicado);
  }
  db.close();
  process.stdout.write(JSON.stringify(radicados) + '\\n');
});
`;

function run(child: ChildProcess): { ready: Promise<void>; result: Promise<string[]> } {
  const lines = readline.createInterface({ input: child.stdout! });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const result = new Promise<string[]>((resolve, reject) => {
    let out: string[] | undefined;
    lines.on('line', (l) => {
      if (l === 'ready') onReady();
      else if (l.startsWith('[')) out = JSON.parse(l);
    });
    child.on('exit', (code) => (code === 0 && out ? resolve(out) : reject(new Error(`child exited ${code}: ${stderr}`))));
  });
  return { ready, result };
}

describeSqlite('radicado numbering under concurrent processes', () => {
  let tmp: string;
  let build: string;
  const started: ChildProcess[] = [];

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mesa-radicado-'));
    build = path.join(tmp, 'dist');
    // Only the storage modules (and what they import), into a private folder: the shared dist/ is untouched.
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/typescript/bin/tsc'),
        '--outDir', build,
        '--rootDir', path.join(ROOT, 'src'),
        '--module', 'commonjs',
        '--moduleResolution', 'node',
        '--target', 'ES2022',
        '--esModuleInterop',
        '--resolveJsonModule',
        '--skipLibCheck',
        '--types', 'node',
        '--noCheck',
        path.join(ROOT, 'src/storage/tickets.ts'),
        path.join(ROOT, 'src/storage/engines/sqlite.ts'),
        path.join(ROOT, 'src/storage/db.ts'),
      ],
      { cwd: ROOT, stdio: 'pipe' },
    );
    expect(fs.existsSync(path.join(build, 'storage/tickets.js'))).toBe(true);
  }, 120_000);

  afterAll(() => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it(`gives ${2 * PER_PROCESS} distinct radicados numbered 1..${2 * PER_PROCESS} when two processes file at once`, async () => {
    const dbFile = path.join(tmp, 'shared.db');
    const db = openDb(dbFile);
    migrate(db);
    db.close();
    const script = path.join(tmp, 'child.js');
    fs.writeFileSync(script, CHILD);
    const env = { ...process.env, BUILD: build, DB_FILE: dbFile, COUNT: String(PER_PROCESS), NODE_PATH: path.join(ROOT, 'node_modules') };
    const children = ['a', 'b'].map((who) => spawn(process.execPath, [script], { env: { ...env, WHO: who }, stdio: ['pipe', 'pipe', 'pipe'] }));
    started.push(...children);
    const runs = children.map(run);
    await Promise.all(runs.map((r) => r.ready));
    for (const c of children) c.stdin!.end('go\n');
    const [a, b] = await Promise.all(runs.map((r) => r.result));

    expect(a).toHaveLength(PER_PROCESS);
    expect(b).toHaveLength(PER_PROCESS);
    const all = [...a, ...b];
    expect(new Set(all).size).toBe(all.length);
    for (const r of all) expect(r).toMatch(new RegExp(`^MDA-${YEAR}-\\d{6}$`));
    const numbers = all.map((r) => Number(r.slice(-6))).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 2 * PER_PROCESS }, (_, i) => i + 1));
    // Each process saw its own numbers increase.
    for (const list of [a, b]) {
      const n = list.map((r) => Number(r.slice(-6)));
      expect(n.every((x, i) => i === 0 || x > n[i - 1])).toBe(true);
    }
    // (Whether the two runs interleaved depends on the machine's load; usually they do.)

    const check = openDb(dbFile);
    try {
      expect((check.prepare('SELECT count(*) AS n FROM tickets').get() as { n: number }).n).toBe(2 * PER_PROCESS);
      expect((check.prepare('SELECT count(DISTINCT radicado) AS n FROM tickets').get() as { n: number }).n).toBe(2 * PER_PROCESS);
      expect(check.prepare('SELECT last FROM radicado_counters WHERE prefix = ? AND year = ?').get('MDA', YEAR)).toEqual({ last: 2 * PER_PROCESS });
      // The outbox row was written in the same transaction as each ticket.
      expect((check.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n).toBe(2 * PER_PROCESS);
    } finally {
      check.close();
    }
  }, 120_000);
});
