import type { LocalPg } from '../../src/cli/pg-local';

export default async function globalTeardown() {
  const g = globalThis as { __mesaPg?: LocalPg };
  g.__mesaPg?.stop();
  delete g.__mesaPg;
}
