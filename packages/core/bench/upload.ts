/**
 * Upload benchmark (not a test): `pnpm bench` (or `tsx packages/core/bench/upload.ts [--sizes 64,512]
 * [--repeat 7] [--latency 50] [--chunk 4] [--concurrency 4] [--only xmedia,bare] [--no-bundle]`).
 *
 * The orchestrator starts a minimal node:http server on 127.0.0.1 that accepts X's v2 initialize / append /
 * finalize / status routes (counts the bytes, discards them, optionally answers each request after a delay),
 * generates MP4-headed files of each size in a temp dir, and runs every client in its own child process so CPU
 * time and peak RSS belong to that client alone (clients in `upload/clients/`, the child harness in
 * `upload/child.ts`):
 *
 * - `transport`: xmedia's Node transport (`NodeTransport.layer`, @xmedia/node) alone: the same worker loop and framed
 *   bodies, no uploader: what the uploader's HttpClient allows;
 * - `platform`: the same over @effect/platform-node's `NodeHttpClient` (keep-alive agent);
 * - `lean` (only with `--only`): the same worker loop, each request one `Effect.async` around `http.request` (no
 *   HttpClient): separates the Effect runtime's cost from the HttpClient's;
 * - `xmedia`: `Uploader.uploadFile` over the Node transport (what the demo and CLI use);
 * - `xmedia-platform`: the same over `NodeHttpClient.layerWithoutAgent` + a keep-alive agent;
 * - `xmedia-default-agent`: the same over `NodeHttpClient.layer` (its agent does not keep connections alive);
 * - `effect-formdata`: `MediaUpload.append` per segment (a `FormData` + `Blob` body) over the keep-alive agent,
 *   to show what the `FormData` path costs;
 * - `fetch`: plain `fetch` + `FormData` + `Blob` per segment;
 * - `bare`: `node:http` with a keep-alive agent, writing the multipart framing itself and piping each file range
 *   (`fs.createReadStream({ start, end })`) into the request;
 * - `bare-buffer` (only with `--only`): the same, but reading each segment whole and sending it in one write.
 *
 * Each client module is bundled on its own by esbuild (tree-shaken, as an app would ship it; `BENCH_SPLIT=1` splits
 * each into several modules) and run on plain node (a child under tsx carries the transpiler's memory); each uploads
 * an 8 MiB warm-up file 5 times first (`BENCH_WARMUP_MIB` changes its size, `BENCH_WARMUP_RUNS` the count), so what
 * is measured is a process past its first uploads, not a long-running one (V8 compiles for hundreds of uploads more;
 * docs/upload-performance.md). Each measurement moves at least 256 MiB (`BENCH_MIN_MIB`): a smaller file is uploaded
 * several times in a row and MB/s is over all of them. Clients run interleaved, round by round, and each one's ratio
 * to `bare` is the median of its per-round ratios. Before the measured upload each child collects its heap and
 * resets the kernel's peak-RSS counter (Linux); peak RSS is the larger of the kernel's peak (`VmHWM`) after that and
 * `memoryUsage.rss()` sampled every 20 ms during the upload. `BENCH_DEBUG=1` prints every run (with GC time by kind,
 * user and system CPU, the CPU of the main thread and of all other threads, and the measured window on the profile
 * clock); `BENCH_NODE_ARGS` adds node flags to the children (e.g. `--cpu-prof`); `BENCH_NO_MINIFY=1` keeps the
 * bundles readable for profiles, and `BENCH_KEEP=1` keeps them on disk (it prints where).
 *
 * All send the same chunks with the same concurrency. Then, with latency added to every request, `xmedia` at
 * the chosen concurrency is compared with a sequential uploader (`xmedia` at concurrency 1). The run ends with the
 * issue's targets (throughput against bare, peak RSS, memory that does not grow with the file, the latency ratio),
 * each marked `met` or `NOT met` for this run.
 */
import { spawn } from "node:child_process"
import { randomFillSync } from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { type ChildArgs, type ChildResult, MiB } from "./upload/shared.js"

const MEDIA_ID = "1880028106020515840"

interface Args {
  readonly sizes: ReadonlyArray<number>
  readonly repeat: number
  readonly latency: number
  readonly latencySize: number
  readonly chunk: number
  readonly concurrency: number
  readonly only: ReadonlyArray<string> | undefined
}

const parseArgs = (argv: ReadonlyArray<string>): Args => {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`)
    return i >= 0 ? argv[i + 1] : undefined
  }
  return {
    sizes: (get("sizes") ?? "64,512").split(",").map(Number),
    repeat: Number(get("repeat") ?? 7),
    latency: Number(get("latency") ?? 50),
    latencySize: Number(get("latency-size") ?? 256),
    chunk: Number(get("chunk") ?? 4),
    concurrency: Number(get("concurrency") ?? 4),
    only: get("only")?.split(",")
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Orchestrator: server, files, runs, table
// ---------------------------------------------------------------------------------------------------------------

interface Server {
  readonly port: number
  received: number
  latency: number
  readonly close: () => Promise<void>
}

const startServer = (): Promise<Server> =>
  new Promise((resolve) => {
    const state = { received: 0, latency: 0 }
    const server = http.createServer((req, res) => {
      const url = req.url ?? ""
      const started = performance.now()
      if (process.env.BENCH_TRACE) res.on("finish", () => console.log(`    ${req.method} ${url.slice(-12)} ${started.toFixed(0)} -> ${performance.now().toFixed(0)}`))
      const reply = (status: number, body: unknown) => {
        const send = () => {
          const text = JSON.stringify(body)
          res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
          res.end(text)
        }
        if (state.latency > 0) setTimeout(send, state.latency)
        else send()
      }
      let bytes = 0
      req.on("data", (chunk: Buffer) => {
        bytes += chunk.length
      })
      req.on("end", () => {
        state.received += bytes
        if (req.method === "POST" && url === "/2/media/upload/initialize") {
          reply(200, { data: { id: MEDIA_ID, media_key: `7_${MEDIA_ID}`, expires_after_secs: 86400 } })
        } else if (req.method === "POST" && /\/append$/.test(url)) {
          reply(200, { data: { expires_at: Math.floor(Date.now() / 1000) + 86400 } })
        } else if (req.method === "POST" && /\/finalize$/.test(url)) {
          reply(200, { data: { id: MEDIA_ID, media_key: `7_${MEDIA_ID}`, expires_after_secs: 86400 } })
        } else if (req.method === "GET" && url.startsWith("/2/media/upload?")) {
          reply(200, { data: { id: MEDIA_ID, processing_info: { state: "succeeded", progress_percent: 100 } } })
        } else {
          reply(404, { title: "Not Found Error", detail: `no route ${req.method} ${url}` })
        }
      })
    })
    server.keepAliveTimeout = 30_000
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as { port: number }
      const s: Server = {
        port: address.port,
        get received() {
          return state.received
        },
        set received(v) {
          state.received = v
        },
        get latency() {
          return state.latency
        },
        set latency(v) {
          state.latency = v
        },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      }
      resolve(s)
    })
  })

/** An MP4 header (so preflight sniffs video/mp4) followed by random bytes. */
const generate = (dir: string, sizeMiB: number, name = "bench"): string => {
  const file = path.join(dir, `${name}-${sizeMiB}MiB.mp4`)
  const header = fs.readFileSync(fileURLToPath(new URL("../test/fixtures/sample.mp4", import.meta.url))).subarray(0, 4096)
  const block = Buffer.allocUnsafe(MiB)
  const fd = fs.openSync(file, "w")
  try {
    for (let i = 0; i < sizeMiB; i++) {
      randomFillSync(block)
      if (i === 0) header.copy(block, 0)
      fs.writeSync(fd, block)
    }
    // on disk before any client runs: the kernel's write-back must not compete with the first measurements
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  return file
}

/** Each client's module (it runs as its own program), by the client names it offers. */
const clientModules: Readonly<Record<string, string>> = {
  bare: "bare",
  "bare-buffer": "bare",
  fetch: "fetch",
  platform: "platform",
  lean: "lean",
  xmedia: "xmedia",
  "xmedia-platform": "xmedia",
  transport: "platform",
  "xmedia-default-agent": "xmedia",
  "effect-formdata": "effectFormData"
}

const clientSource = (module: string) => fileURLToPath(new URL(`./upload/clients/${module}.ts`, import.meta.url))

/**
 * Bundles each client module (with @xmedia/core and Effect, tree-shaken) into its own ESM file, so every child
 * runs on plain `node` with its own code only: a child under `tsx` carries the transpiler's memory (about 160 MiB
 * more once Effect is loaded), and one bundle shared by all clients would load every client's dependencies.
 * `BENCH_SPLIT=1` splits the bundles instead (esbuild's code splitting): each client still loads only its own code,
 * but in several modules, closer to an app that loads its libraries from node_modules. V8 parses each module's top
 * level in one go, and glibc keeps that parser memory: xmedia's child peaks about 5 MiB lower split
 * (docs/upload-performance.md, session 11).
 */
const bundle = async (dir: string): Promise<Record<string, string>> => {
  const esbuild = await import("esbuild")
  const outdir = path.join(dir, "bundle")
  const modules = [...new Set(Object.values(clientModules))]
  await esbuild.build({
    entryPoints: Object.fromEntries(modules.map((m) => [m, clientSource(m)])),
    bundle: true,
    splitting: Boolean(process.env.BENCH_SPLIT),
    platform: "node",
    format: "esm",
    target: "node20",
    outdir,
    outExtension: { ".js": ".mjs" },
    minify: !process.env.BENCH_NO_MINIFY,
    logLevel: "warning",
    // CommonJS dependencies (ws, undici) call require() for Node built-ins
    banner: { js: `import { createRequire as __benchCreateRequire } from "node:module"; const require = __benchCreateRequire(import.meta.url);` }
  })
  return Object.fromEntries(modules.map((m) => [m, path.join(outdir, `${m}.mjs`)]))
}

let bundled: Record<string, string> | undefined

const child = (a: ChildArgs): Promise<ChildResult> =>
  new Promise((resolve, reject) => {
    const module = clientModules[a.impl]
    if (module === undefined) {
      reject(new Error(`unknown client ${a.impl}: one of ${Object.keys(clientModules).join(", ")}`))
      return
    }
    const script = bundled?.[module] ?? clientSource(module)
    const proc = spawn(
      process.execPath,
      [
        ...(bundled === undefined ? process.execArgv : []),
        "--expose-gc",
        ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(" ") : []),
        script,
        a.impl,
        a.file,
        a.warmup,
        String(a.port),
        String(a.chunk),
        String(a.concurrency)
      ],
      { stdio: ["ignore", "pipe", "inherit"] }
    )
    let out = ""
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()))
    const timer = setTimeout(() => proc.kill("SIGKILL"), 300_000)
    proc.on("exit", (code) => {
      clearTimeout(timer)
      const line = out.split("\n").find((l) => l.startsWith("RESULT "))
      if (code !== 0 || line === undefined) reject(new Error(`${a.impl} exited with ${code}: ${out}`))
      else resolve(JSON.parse(line.slice(7)) as ChildResult)
    })
  })

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

interface Row {
  readonly impl: string
  readonly sizeMiB: number
  readonly mbps: number
  readonly cpuPerGiB: number
  readonly peakRssMiB: number
  /**
   * Each run's peak RSS, its RSS once its code was loaded (before the warm-ups), and the peaks of V8's heap and of
   * array buffers, in MiB (to explain a round that peaked high).
   */
  readonly rssRuns: ReadonlyArray<
    { readonly peakMiB: number; readonly loadedMiB: number; readonly heapMiB: number; readonly buffersMiB: number }
  >
  /** Median of the per-round ratios to the bare client's MB/s (interleaved runs). */
  readonly vsBare?: number | undefined
  /** The lowest and highest of those per-round ratios (how much the machine moved them). */
  readonly vsBareRange?: readonly [number, number] | undefined
}

let warmup = ""

/** One child run, checked against the bytes the server received. */
const runOnce = async (
  server: Server,
  impl: string,
  file: string,
  sizeMiB: number,
  args: Args,
  concurrency: number
): Promise<ChildResult> => {
  server.received = 0
  const r = await child({ impl, file, warmup, port: server.port, chunk: args.chunk * MiB, concurrency })
  const expectedAtLeast = sizeMiB * MiB
  if (server.received < expectedAtLeast) {
    throw new Error(`${impl}: the server received ${server.received} bytes, expected at least ${expectedAtLeast}`)
  }
  if (process.env.BENCH_DEBUG) console.log(JSON.stringify(r))
  return r
}

const mbpsOf = (r: ChildResult) => r.bytes / 1e6 / r.seconds

/** A run's peak RSS: the larger of the kernel's peak and the sampled one. */
const peakRssOf = (r: ChildResult) => Math.max(r.maxRss, r.peakRssSampled)

const rowOf = (
  impl: string,
  sizeMiB: number,
  runs: ReadonlyArray<ChildResult>,
  ratios?: ReadonlyArray<number>
): Row => ({
  impl,
  sizeMiB,
  mbps: median(runs.map(mbpsOf)),
  cpuPerGiB: median(runs.map((r) => r.cpuSeconds / (r.bytes / (1024 * MiB)))),
  peakRssMiB: Math.max(...runs.map(peakRssOf)) / MiB,
  rssRuns: runs.map((r) => ({
    peakMiB: peakRssOf(r) / MiB,
    loadedMiB: r.loadedRss / MiB,
    heapMiB: r.peakMemory.heapTotal / MiB,
    buffersMiB: r.peakMemory.arrayBuffers / MiB
  })),
  vsBare: ratios === undefined ? undefined : median(ratios),
  vsBareRange: ratios === undefined ? undefined : [Math.min(...ratios), Math.max(...ratios)]
})

/**
 * Runs every client once per round, `repeat` rounds, interleaved (bare, xmedia, ..., bare, xmedia, ...), so a
 * change in the machine's load hits all clients alike. Each client's ratio to bare is the median of its per-round
 * ratios (each against the bare run of the same round).
 */
const measureInterleaved = async (
  server: Server,
  impls: ReadonlyArray<string>,
  file: string,
  sizeMiB: number,
  args: Args,
  concurrency: number
): Promise<Array<Row>> => {
  const runs = new Map<string, Array<ChildResult>>(impls.map((impl) => [impl, []]))
  for (let round = 0; round < args.repeat; round++) {
    for (const impl of impls) runs.get(impl)!.push(await runOnce(server, impl, file, sizeMiB, args, concurrency))
  }
  const bare = runs.get("bare")
  return impls.map((impl) => {
    const own = runs.get(impl)!
    const ratios = bare === undefined ? undefined : own.map((r, i) => mbpsOf(r) / mbpsOf(bare[i]!))
    return rowOf(impl, sizeMiB, own, ratios)
  })
}

/** `repeat` runs of one client. */
const measure = async (
  ...[server, impl, file, sizeMiB, args, concurrency]: [Server, string, string, number, Args, number]
): Promise<Row> => (await measureInterleaved(server, [impl], file, sizeMiB, args, concurrency))[0]!

const pad = (s: string, n: number) => s.padEnd(n)
const lpad = (s: string, n: number) => s.padStart(n)

const printTable = (title: string, rows: ReadonlyArray<Row>, reference: (row: Row) => Row | undefined) => {
  console.log(`\n${title}`)
  console.log(
    `${pad("client", 22)}${lpad("size", 9)}${lpad("MB/s", 10)}${lpad("CPU s/GiB", 12)}${lpad("peak RSS", 11)}${
      lpad("vs bare", 9)
    }`
  )
  for (const row of rows) {
    const ref = reference(row)
    console.log(
      `${pad(row.impl, 22)}${lpad(`${row.sizeMiB} MiB`, 9)}${lpad(row.mbps.toFixed(0), 10)}${
        lpad(row.cpuPerGiB.toFixed(2), 12)
      }${lpad(`${row.peakRssMiB.toFixed(0)} MiB`, 11)}${
        lpad(row.vsBare !== undefined ? `${row.vsBare.toFixed(2)}x` : ref ? `${(row.mbps / ref.mbps).toFixed(2)}x` : "-", 9)
      }`
    )
  }
}

/**
 * When one round peaked more than 5 MiB above the median round: the median, that round's RSS once its code was loaded
 * (a child that started larger, or one that grew more since), and its peaks of V8's heap and of array buffers beside
 * the median round's, so an outlier says whether the heap, the buffers or native memory outside both grew.
 */
const outlierOf = (runs: Row["rssRuns"]): string => {
  const typical = median(runs.map((r) => r.peakMiB))
  const largest = runs.reduce((a, b) => (b.peakMiB > a.peakMiB ? b : a))
  const mib = (n: number) => n.toFixed(0)
  return largest.peakMiB - typical > 5
    ? `; the median round ${mib(typical)} MiB; the largest was at ${mib(largest.loadedMiB)} MiB once loaded and rose ` +
      `${mib(largest.peakMiB - largest.loadedMiB)} more, with V8's heap at ${mib(largest.heapMiB)} MiB (median round ` +
      `${mib(median(runs.map((r) => r.heapMiB)))}) and array buffers at ${mib(largest.buffersMiB)} (median ` +
      `${mib(median(runs.map((r) => r.buffersMiB)))})`
    : ""
}

/** `met (target)` or `NOT met (target)`. */
const verdict = (met: boolean, target: string) => `${met ? "met" : "NOT met"} (target ${target})`

const main = async () => {
  const args = parseArgs(process.argv.slice(2))
  const impls = args.only ??
    ["bare", "transport", "xmedia", "platform", "xmedia-platform", "fetch", "xmedia-default-agent", "effect-formdata"]
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xmedia-bench-"))
  const server = await startServer()
  if (!process.argv.includes("--no-bundle")) bundled = await bundle(dir)
  warmup = generate(dir, Number(process.env.BENCH_WARMUP_MIB ?? 8), "warmup")
  console.log(
    `xmedia upload benchmark: node ${process.version}, ${os.cpus().length} CPUs, chunks ${args.chunk} MiB, ` +
      `${args.concurrency} in flight, median of ${args.repeat} interleaved rounds, load average ${os.loadavg()[0]!.toFixed(1)}, ` +
      `server on 127.0.0.1:${server.port}, ` +
      `clients ${bundled === undefined ? "under tsx" : "each bundled (esbuild) on its own, on plain node"}`
  )
  try {
    const rows: Array<Row> = []
    for (const sizeMiB of args.sizes) {
      const file = generate(dir, sizeMiB)
      for (const row of await measureInterleaved(server, impls, file, sizeMiB, args, args.concurrency)) {
        rows.push(row)
        console.log(`  ${row.impl} ${sizeMiB} MiB: ${row.mbps.toFixed(0)} MB/s`)
      }
      fs.rmSync(file)
    }
    printTable("Throughput on loopback", rows, (row) => rows.find((r) => r.impl === "bare" && r.sizeMiB === row.sizeMiB))

    let latencyRatio: number | undefined
    if (args.latency > 0) {
      const file = generate(dir, args.latencySize)
      server.latency = args.latency
      const latencyRows: Array<Row> = []
      const concurrent = await measure(server, "xmedia", file, args.latencySize, args, args.concurrency)
      latencyRows.push(concurrent)
      const sequential = await measure(server, "xmedia", file, args.latencySize, args, 1)
      latencyRows.push({ ...sequential, impl: "xmedia (sequential)" })
      const bare = await measure(server, "bare", file, args.latencySize, args, args.concurrency)
      latencyRows.push(bare)
      server.latency = 0
      fs.rmSync(file)
      printTable(
        `With ${args.latency} ms added to every response (xmedia at ${args.concurrency} in flight vs sequential)`,
        latencyRows,
        () => bare
      )
      latencyRatio = concurrent.mbps / sequential.mbps
      console.log(`  concurrent / sequential: ${latencyRatio.toFixed(2)}x`)
    }
    const find = (impl: string, size: number) => rows.find((r) => r.impl === impl && r.sizeMiB === size)
    console.log("\nTargets (each line says whether this run met it)")
    for (const size of args.sizes) {
      const x = find("xmedia", size)
      const b = find("bare", size)
      if (x && b) {
        const ratio = x.vsBare ?? x.mbps / b.mbps
        console.log(
          `  ${size} MiB: xmedia/bare = ${ratio.toFixed(2)}x (median of per-round ratios` +
            `${x.vsBareRange ? `, which ranged ${x.vsBareRange[0].toFixed(2)}-${x.vsBareRange[1].toFixed(2)}` : ""}): ` +
            verdict(ratio >= 0.8, ">= 0.80x")
        )
        // MB to one decimal: 115 MiB is 120.6 MB, which rounded to whole MB would read as the limit itself
        const peakMB = x.peakRssMiB * MiB / 1e6
        console.log(
          `  ${size} MiB: peak RSS ${x.peakRssMiB.toFixed(0)} MiB = ${peakMB.toFixed(1)} MB (largest of the rounds` +
            `${outlierOf(x.rssRuns)}): ${verdict(peakMB < 120, "< 120 MB")}`
        )
      }
      const t = find("transport", size)
      if (x?.vsBare !== undefined && t?.vsBare !== undefined) {
        console.log(
          `  ${size} MiB: its HttpClient alone (the Node transport) = ${t.vsBare.toFixed(2)}x bare: xmedia reaches ` +
            `${(x.vsBare / t.vsBare).toFixed(2)} of what its HttpClient allows`
        )
      }
      const xp = find("xmedia-platform", size)
      if (x?.peakRssMiB !== undefined && xp?.vsBare !== undefined) {
        console.log(`  ${size} MiB: over @effect/platform-node's HttpClient instead: ${xp.vsBare.toFixed(2)}x bare`)
      }
    }
    const peaks = args.sizes.flatMap((size) => {
      const x = find("xmedia", size)
      return x === undefined ? [] : [{ size, peak: x.peakRssMiB }]
    })
    if (peaks.length > 1) {
      const low = Math.min(...peaks.map((p) => p.peak))
      const high = Math.max(...peaks.map((p) => p.peak))
      console.log(
        `  memory does not grow with the file: peak RSS ${
          peaks.map((p) => `${p.peak.toFixed(0)} MiB at ${p.size} MiB`).join(", ")
        }: ${verdict(high <= low * 1.1, "the largest within 10% of the smallest")}`
      )
    }
    if (latencyRatio !== undefined) {
      console.log(
        `  ${args.latency} ms latency: xmedia at ${args.concurrency} in flight / sequential = ${latencyRatio.toFixed(2)}x: ` +
          verdict(latencyRatio >= 3, ">= 3x")
      )
    }
  } finally {
    await server.close()
    if (process.env.BENCH_KEEP) console.log(`kept ${dir} (bundles in bundle/)`)
    else fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
