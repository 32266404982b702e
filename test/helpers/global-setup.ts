/**
 * Jest global setup: for the PostgreSQL pass (MESA_TEST_ENGINE=postgres) start a throwaway server on
 * loopback unless MESA_TEST_DATABASE_URL points at one already. Each harness then gets a fresh database.
 */
import { startLocalPg, type LocalPg } from '../../src/cli/pg-local';

export default async function globalSetup() {
  if (process.env.MESA_TEST_ENGINE !== 'postgres' || process.env.MESA_TEST_DATABASE_URL) return;
  const pg = await startLocalPg();
  (globalThis as { __mesaPg?: LocalPg }).__mesaPg = pg;
  process.env.MESA_TEST_DATABASE_URL = pg.url;
  console.log(`\n[tests] PostgreSQL engine: throwaway server on 127.0.0.1:${pg.port}`);
}
