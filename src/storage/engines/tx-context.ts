/**
 * Which transaction the running code belongs to, for the engines' tx(): an AsyncLocalStorage that is
 * switched on only while a transaction of its engine runs, and that only ever names a transaction
 * still running.
 *
 * - Switched off between transactions: on Node 20 an AsyncLocalStorage, once run, installs promise
 *   hooks that every promise of the process pays for, and they stay installed after the run ends
 *   (measured on the fair echo, quick bench: 2,510 → 2,270–2,370 answers/s with one switched on, 2,580
 *   once switched off again). A turn that only reads (help, a status, the queue) pays nothing for the
 *   transactions before it.
 * - A continuation of an ended transaction (work it started and did not wait for: a timer, a promise
 *   left running) carries that transaction's store for ever. Once the transaction ends, that store
 *   names none: on PostgreSQL its connection has gone back to the pool and may be another
 *   transaction's by then, whose statements such work would otherwise join.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface Entry<T> {
  readonly value: T;
  running: boolean;
}

export class TxContext<T> {
  private readonly als = new AsyncLocalStorage<Entry<T>>();
  private running = 0;

  async run<R>(value: T, fn: () => Promise<R>): Promise<R> {
    const entry: Entry<T> = { value, running: true };
    this.running++;
    try {
      return await this.als.run(entry, fn);
    } finally {
      entry.running = false;
      if (--this.running === 0) this.als.disable();
    }
  }

  /** The transaction the calling code runs in, if it is still running. */
  get(): T | undefined {
    if (this.running === 0) return undefined;
    const entry = this.als.getStore();
    return entry?.running ? entry.value : undefined;
  }
}
