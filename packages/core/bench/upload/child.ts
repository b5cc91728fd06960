/**
 * The harness of one client process: uploads the warm-up file `BENCH_WARMUP_RUNS` times (default 5, so the
 * client is not measured on its first uploads; V8 still compiles during the measured ones, docs/upload-performance.md),
 * collects the heap (node runs with `--expose-gc`) and resets the kernel's peak-RSS counter, then uploads the
 * measured file, and prints `RESULT <json>` with wall time, CPU time, peak RSS, and the peaks of V8's heap and of
 * array buffers.
 *
 * Each client module calls `runChild` at its end, so each client is bundled and run as its own program: its RSS
 * holds its own code only.
 */
import * as fs from "node:fs"
import { constants, type NodeGCPerformanceDetail, type PerformanceEntry, PerformanceObserver } from "node:perf_hooks"
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

/** The kernel's peak RSS of this process (`VmHWM`), in bytes; `undefined` where /proc is not there. */
const peakRssOfProcess = (): number | undefined => {
  try {
    const line = fs.readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith("VmHWM:"))
    return line === undefined ? undefined : Number(line.replace(/\D+/g, "")) * 1024
  } catch {
    return undefined
  }
}

/**
 * CPU time so far of this process's main thread and of all its other threads together (V8's compiler and GC
 * helpers, libuv's thread pool), in ns, from each thread's `schedstat` (Linux); `undefined` where /proc is not there.
 */
const cpuByThread = (): { readonly main: number; readonly others: number } | undefined => {
  try {
    let main = 0
    let others = 0
    for (const tid of fs.readdirSync("/proc/self/task")) {
      const ns = Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0])
      if (tid === String(process.pid)) main += ns
      else others += ns
    }
    return { main, others }
  } catch {
    return undefined
  }
}

/** Resets the kernel's peak RSS to the current RSS (Linux: `5` into /proc/self/clear_refs); `false` if it cannot. */
const resetPeakRss = (): boolean => {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5")
    return true
  } catch {
    return false
  }
}

/** The kind of a `gc` performance entry (node puts it in `detail.kind`): minor, major, incremental or weakcb. */
const gcKindOf = (entry: PerformanceEntry): string => {
  const kind = (entry as PerformanceEntry & { readonly detail?: NodeGCPerformanceDetail }).detail?.kind
  switch (kind) {
    case constants.NODE_PERFORMANCE_GC_MINOR:
      return "minor"
    case constants.NODE_PERFORMANCE_GC_MAJOR:
      return "major"
    case constants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return "incremental"
    case constants.NODE_PERFORMANCE_GC_WEAKCB:
      return "weakcb"
    default:
      return `kind ${kind}`
  }
}

const measure = async (a: ChildArgs, upload: Upload) => {
  const peakMemory = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 }
  // the RSS once the client's code is loaded, before its first upload
  const loadedRss = process.memoryUsage.rss()
  const size = fs.statSync(a.file).size
  // past the first uploads, which also load, compile and optimise the code (the first 64 MiB upload of xmedia
  // takes about twice as long as the third); not a steady state: V8 compiles for hundreds of uploads more
  const warmupRuns = Number(process.env.BENCH_WARMUP_RUNS ?? 5)
  for (let i = 0; i < warmupRuns; i++) await upload({ ...a, file: a.warmup }, fs.statSync(a.warmup).size)
  // the measured upload starts from a collected heap (the warm-ups' garbage, e.g. their segment buffers, is not
  // its memory), and its peak RSS is the peak from here on. The collection also deoptimises code whose embedded
  // objects died, and recompiling it falls in the measured window (docs/upload-performance.md, session 9)
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc) gc()
  const kernelPeak = resetPeakRss()
  let peak = process.memoryUsage.rss()
  // the peaks of V8's heap and of native buffers too (a few µs per sample): a round whose RSS peaked high can then
  // say whether the heap, the buffers or neither grew
  const sampler = setInterval(() => {
    const m = process.memoryUsage()
    peak = Math.max(peak, m.rss)
    for (const k of Object.keys(peakMemory) as Array<keyof typeof peakMemory>) {
      peakMemory[k] = Math.max(peakMemory[k], m[k])
    }
  }, 20)
  // garbage collection during the measured upload, by kind (BENCH_DEBUG prints it, and the total)
  let gcCount = 0
  const gcMsByKind: Record<string, number> = {}
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcCount += 1
      const kind = gcKindOf(entry)
      gcMsByKind[kind] = (gcMsByKind[kind] ?? 0) + entry.duration
    }
  })
  gcObserver.observe({ entryTypes: ["gc"] })
  // each measurement moves at least BENCH_MIN_MIB (256 MiB): a 64 MiB upload lasts 50-100 ms here, where one
  // scheduler hiccup moved a single upload's ratio by 0.2, so smaller files are uploaded several times in a row
  const uploads = Math.max(1, Math.ceil((Number(process.env.BENCH_MIN_MIB ?? 256) * 1024 * 1024) / size))
  // the measured window on the clock of V8's CPU profiles (µs): cuts a `--cpu-prof` profile to the measured uploads
  const windowStartUs = Number(process.hrtime.bigint() / 1000n)
  // only BENCH_DEBUG prints it: no reads of /proc around the measured uploads otherwise
  const debug = Boolean(process.env.BENCH_DEBUG)
  const threads0 = debug ? cpuByThread() : undefined
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < uploads; i++) await upload(a, size)
  const seconds = (performance.now() - t0) / 1000
  const windowEndUs = Number(process.hrtime.bigint() / 1000n)
  gcObserver.disconnect()
  const cpu = process.cpuUsage(cpu0)
  const threads1 = debug ? cpuByThread() : undefined
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage.rss())
  if (gc) gc()
  const heapAfterGc = process.memoryUsage().heapUsed
  const result: ChildResult = {
    impl: a.impl,
    bytes: size * uploads,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssSampled: peak,
    // the kernel's peak since the reset; without /proc, the lifetime peak (warm-ups included)
    maxRss: kernelPeak ? (peakRssOfProcess() ?? peak) : process.resourceUsage().maxRSS * 1024,
    loadedRss,
    peakMemory,
    ...(debug
      ? {
        heapAfterGc,
        gcMs: Object.values(gcMsByKind).reduce((sum, ms) => sum + ms, 0),
        gcCount,
        gcMsByKind,
        cpuUserSeconds: cpu.user / 1e6,
        cpuSystemSeconds: cpu.system / 1e6,
        // where the CPU went: the main thread (the client's own work) or the others (TurboFan compiling in the
        // background, GC helpers, libuv's thread pool reading files)
        ...(threads0 && threads1
          ? {
            cpuMainThreadSeconds: (threads1.main - threads0.main) / 1e9,
            cpuOtherThreadsSeconds: (threads1.others - threads0.others) / 1e9
          }
          : {}),
        profileWindowUs: [windowStartUs, windowEndUs]
      }
      : {})
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
}

/**
 * Runs one child: `uploads[impl]` is the client's upload function for each variant it offers.
 */
export const runChild = (uploads: Readonly<Record<string, Upload>>) => {
  const a = argsOf(process.argv.slice(2))
  const upload = uploads[a.impl]
  if (upload === undefined) {
    console.error(`unknown client ${a.impl}: this module offers ${Object.keys(uploads).join(", ")}`)
    process.exit(2)
  }
  measure(a, upload)
    .then(() => process.exit(0))
    .catch((e: unknown) => {
      console.error(e)
      process.exit(1)
    })
}
