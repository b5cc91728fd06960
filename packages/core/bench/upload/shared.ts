/**
 * What the benchmark's orchestrator and its client processes share: the arguments a child gets, the result it
 * prints, and the segment plan every client sends.
 */

export const MiB = 1024 * 1024

/** The arguments of one child run (on its command line). */
export interface ChildArgs {
  readonly impl: string
  readonly file: string
  readonly warmup: string
  readonly port: number
  readonly chunk: number
  readonly concurrency: number
}

/** What a child prints as `RESULT <json>`. */
export interface ChildResult {
  readonly impl: string
  readonly bytes: number
  readonly seconds: number
  readonly cpuSeconds: number
  readonly peakRssSampled: number
  readonly maxRss: number
  /** RSS once the client's code is loaded, before its warm-up uploads. */
  readonly loadedRss: number
  /** The largest of each `process.memoryUsage()` figure sampled during the measured uploads (V8's heap, buffers). */
  readonly peakMemory: {
    readonly heapUsed: number
    readonly heapTotal: number
    readonly external: number
    readonly arrayBuffers: number
  }
}

/** One upload by one client: the file in `args.file`, to the server on `args.port`. */
export type Upload = (args: ChildArgs, size: number) => Promise<void>

/** The byte ranges of a file of `size` bytes in segments of `chunk` bytes. */
export const segmentsOf = (size: number, chunk: number) => {
  const out: Array<{ index: number; start: number; length: number }> = []
  for (let i = 0, start = 0; start < size; i++, start += chunk) {
    out.push({ index: i, start, length: Math.min(chunk, size - start) })
  }
  return out
}

/** Runs `f` over `items` with at most `concurrency` in flight. */
export const pool = async <T>(items: ReadonlyArray<T>, concurrency: number, f: (item: T) => Promise<void>) => {
  let next = 0
  const worker = async () => {
    while (next < items.length) await f(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
}

/** The multipart head of an APPEND of `index` (the `segment_index` field, then the `media` part's header). */
export const appendHead = (boundary: string, index: number) =>
  Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="segment_index"\r\n\r\n${index}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="media"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n`
  )

/** The multipart tail of an APPEND. */
export const appendTail = (boundary: string) => Buffer.from(`\r\n--${boundary}--\r\n`)

/** The INITIALIZE body every client sends. */
export const initializeBody = (size: number) => ({
  media_type: "video/mp4",
  total_bytes: size,
  media_category: "tweet_video"
})

