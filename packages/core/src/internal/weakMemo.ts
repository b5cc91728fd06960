/**
 * One value per key object, made on first use and kept while the key lives (a `WeakMap`): a schema's decoder, a
 * client's timeout watcher, a client's buffer pool.
 *
 * @internal
 */
export const weakMemo = <K extends object, V>(make: (key: K) => V): ((key: K) => V) => {
  const values = new WeakMap<K, V>()
  return (key) => {
    let value = values.get(key)
    if (value === undefined) {
      value = make(key)
      values.set(key, value)
    }
    return value
  }
}
