/**
 * The harness of one client process: uploads the warm-up file (so the client is measured JIT-compiled, not on its
 * first request), then the measured file, and prints `RESULT <json>` with wall time, CPU time and peak RSS.
 *
 * Each client module calls `runChild` at its end, so each client is bundled and run as its own program: its RSS
 * holds its own code only.
 */
import * as fs from "node:fs"
import type { ChildArgs, ChildResult, Upload } from "./shared.js"

const argsOf = (argv: ReadonlyArray<string>): ChildArgs => {
  const [impl, file, warmup, port, chunk, concurrency] = argv
  return {
    impl: impl!,
    file: file!,
    warmup: warmup!,
    port: Number(port),
    chunk: Number(chunk),
    concurrency: Number(concurrency)
  }
}

const measure = async (a: ChildArgs, upload: Upload, startRss: number) => {
  let peak = process.memoryUsage.rss()
  const detail = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 }
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
    if (process.env.BENCH_DEBUG) {
      const m = process.memoryUsage()
      for (const k of Object.keys(detail) as Array<keyof typeof detail>) detail[k] = Math.max(detail[k], m[k])
    }
  }, 20)
  const loadedRss = process.memoryUsage.rss()
  const size = fs.statSync(a.file).size
  await upload({ ...a, file: a.warmup }, fs.statSync(a.warmup).size)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await upload(a, size)
  const seconds = (performance.now() - t0) / 1000
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc) gc()
  const heapAfterGc = process.memoryUsage().heapUsed
  const cpu = process.cpuUsage(cpu0)
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage.rss())
  const result: ChildResult = {
    impl: a.impl,
    bytes: size,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssSampled: peak,
    maxRss: process.resourceUsage().maxRSS * 1024,
    baselineRss: loadedRss,
    startRss,
    loadedRss,
    ...(process.env.BENCH_DEBUG ? { detail, heapAfterGc } : {})
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
}

/**
 * Runs one child: `uploads[impl]` is the client's upload function for each variant it offers. The RSS at start
 * (`startRss`) is taken once this module runs, i.e. after the client's code is loaded.
 */
export const runChild = (uploads: Readonly<Record<string, Upload>>) => {
  const startRss = process.memoryUsage.rss()
  const a = argsOf(process.argv.slice(2))
  const upload = uploads[a.impl]
  if (upload === undefined) {
    console.error(`unknown client ${a.impl}: this module offers ${Object.keys(uploads).join(", ")}`)
    process.exit(2)
  }
  measure(a, upload, startRss)
    .then(() => process.exit(0))
    .catch((e: unknown) => {
      console.error(e)
      process.exit(1)
    })
}
