/**
 * Remembers the answers of a pure function of a string, boundedly: when `size` answers are held it
 * starts over (people reuse few inputs; a flood of new ones only costs a rebuilt cache).
 */
export function boundedMemo<V>(size: number, fn: (key: string) => V): (key: string) => V {
  const answers = new Map<string, V>();
  return (key) => {
    if (answers.has(key)) return answers.get(key) as V;
    const value = fn(key);
    if (answers.size >= size) answers.clear();
    answers.set(key, value);
    return value;
  };
}

/**
 * What this process last read or wrote for each key of a table other instances share, trusted for
 * `trustMs`: within it the caller needs no statement; another instance's change is seen once that time
 * is over. Bounded like boundedMemo: when `size` keys are held it starts over.
 */
export class RecentMemory<V> {
  private readonly known = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly trustMs = 60_000,
    private readonly size = 10_000,
  ) {}

  /** The value remembered for `key` while it is trusted (wrapped: a remembered value may be null). */
  recall(key: string, now = Date.now()): { value: V } | undefined {
    const k = this.known.get(key);
    return k && now < k.until ? k : undefined;
  }

  remember(key: string, value: V, now = Date.now()): void {
    if (this.known.size >= this.size) this.known.clear();
    this.known.set(key, { value, until: now + this.trustMs });
  }
}
