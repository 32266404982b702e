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
