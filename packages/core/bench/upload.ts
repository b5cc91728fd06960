/**
 * Upload benchmark (not a test): `pnpm bench` (or `tsx packages/core/bench/upload.ts [--sizes 64,512]
 * [--repeat 3] [--latency 50] [--chunk 4] [--concurrency 4] [--only xmedia,bare] [--no-bundle]`).
 *
 * The orchestrator starts a minimal node:http server on 127.0.0.1 that accepts X's v2 initialize / append /
 * finalize / status routes (counts the bytes, discards them, optionally answers each request after a delay),
 * generates MP4-headed files of each size in a temp dir, and runs every client in its own child process so CPU
 * time and peak RSS belong to that client alone:
 *
 * - `xmedia`: `Uploader.uploadFile` over `NodeHttpClient.layerWithoutAgent` + a keep-alive agent;
 * - `xmedia-default-agent`: the same over `NodeHttpClient.layer` (its agent does not keep connections alive);
 * - `effect-formdata`: `MediaUpload.append` per segment (a `FormData` + `Blob` body) over the keep-alive agent,
 *   to show what the `FormData` path costs;
 * - `fetch`: plain `fetch` + `FormData` + `Blob` per segment;
 * - `bare`: `node:http` with a keep-alive agent, writing the multipart framing itself and piping each file range
 *   (`fs.createReadStream({ start, end })`) into the request;
 * - `bare-buffer` (only with `--only`): the same, but reading each segment whole and sending it in one write.
 *
 * Children run from an esbuild bundle on plain node (a child under tsx carries the transpiler's memory); each
 * uploads an 8 MiB warm-up file first. Peak RSS is the larger of `process.resourceUsage().maxRSS` and
 * `memoryUsage.rss()` sampled every 20 ms. `BENCH_DEBUG=1` prints every run; `BENCH_NODE_ARGS` adds node flags
 * to the children (e.g. `--cpu-prof`).
 *
 * All send the same chunks with the same concurrency. Then, with latency added to every request, `xmedia` at
 * the chosen concurrency is compared with a sequential uploader (`xmedia` at concurrency 1).
 */
import { spawn } from "node:child_process"
import { randomFillSync } from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type * as EffectNs from "effect/Effect"

const MiB = 1024 * 1024
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
    repeat: Number(get("repeat") ?? 3),
    latency: Number(get("latency") ?? 50),
    latencySize: Number(get("latency-size") ?? 256),
    chunk: Number(get("chunk") ?? 4),
    concurrency: Number(get("concurrency") ?? 4),
    only: get("only")?.split(",")
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Child: one client, one upload, prints a JSON result line
// ---------------------------------------------------------------------------------------------------------------

interface ChildResult {
  readonly impl: string
  readonly bytes: number
  readonly seconds: number
  readonly cpuSeconds: number
  readonly peakRssSampled: number
  readonly maxRss: number
  readonly baselineRss: number
  readonly startRss: number
  readonly loadedRss: number
}

interface ChildArgs {
  readonly impl: string
  readonly file: string
  readonly warmup: string
  readonly port: number
  readonly chunk: number
  readonly concurrency: number
}

const segmentsOf = (size: number, chunk: number) => {
  const out: Array<{ index: number; start: number; length: number }> = []
  for (let i = 0, start = 0; start < size; i++, start += chunk) {
    out.push({ index: i, start, length: Math.min(chunk, size - start) })
  }
  return out
}

const pool = async <T>(items: ReadonlyArray<T>, concurrency: number, f: (item: T) => Promise<void>) => {
  let next = 0
  const worker = async () => {
    while (next < items.length) await f(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
}

const fetchClient = async (a: ChildArgs, size: number) => {
  const base = `http://127.0.0.1:${a.port}`
  const headers = { authorization: "Bearer bench" }
  const init = await fetch(`${base}/2/media/upload/initialize`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ media_type: "video/mp4", total_bytes: size, media_category: "tweet_video" })
  })
  const id = ((await init.json()) as { data: { id: string } }).data.id
  const handle = await fs.promises.open(a.file, "r")
  try {
    await pool(segmentsOf(size, a.chunk), a.concurrency, async (s) => {
      const buffer = Buffer.allocUnsafe(s.length)
      await handle.read(buffer, 0, s.length, s.start)
      const form = new FormData()
      form.append("segment_index", String(s.index))
      form.append("media", new Blob([buffer], { type: "application/octet-stream" }), "media")
      const response = await fetch(`${base}/2/media/upload/${id}/append`, { method: "POST", headers, body: form })
      if (!response.ok) throw new Error(`append ${s.index}: ${response.status}`)
      await response.arrayBuffer()
    })
  } finally {
    await handle.close()
  }
  const fin = await fetch(`${base}/2/media/upload/${id}/finalize`, { method: "POST", headers })
  await fin.arrayBuffer()
}

const bareClient = async (a: ChildArgs, size: number, whole = false) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: a.concurrency })
  const request = (
    method: string,
    pathname: string,
    headers: http.OutgoingHttpHeaders,
    write: (req: http.ClientRequest) => void
  ) =>
    new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port: a.port, method, path: pathname, agent, headers: { authorization: "Bearer bench", ...headers } },
        (res) => {
          let text = ""
          res.setEncoding("utf8")
          res.on("data", (d: string) => (text += d))
          res.on("end", () => (res.statusCode! < 300 ? resolve(text) : reject(new Error(`${pathname}: ${res.statusCode}`))))
        }
      )
      req.on("error", reject)
      write(req)
    })
  const initBody = JSON.stringify({ media_type: "video/mp4", total_bytes: size, media_category: "tweet_video" })
  const init = await request(
    "POST",
    "/2/media/upload/initialize",
    { "content-type": "application/json", "content-length": Buffer.byteLength(initBody) },
    (req) => req.end(initBody)
  )
  const id = (JSON.parse(init) as { data: { id: string } }).data.id
  const boundary = "----barebench7f3a9c"
  const fd = fs.openSync(a.file, "r")
  await pool(segmentsOf(size, a.chunk), a.concurrency, async (s) => {
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="segment_index"\r\n\r\n${s.index}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="media"\r\n` +
        `Content-Type: application/octet-stream\r\n\r\n`
    )
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
    await request(
      "POST",
      `/2/media/upload/${id}/append`,
      {
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": head.length + s.length + tail.length
      },
      (req) => {
        if (whole) {
          // read the whole segment first, then send head + segment + tail in one write
          const body = Buffer.allocUnsafe(head.length + s.length + tail.length)
          head.copy(body, 0)
          fs.readSync(fd, body, head.length, s.length, s.start)
          tail.copy(body, head.length + s.length)
          req.end(body)
          return
        }
        req.write(head)
        const file = fs.createReadStream(a.file, { start: s.start, end: s.start + s.length - 1, highWaterMark: MiB })
        file.pipe(req, { end: false })
        file.on("end", () => req.end(tail))
        file.on("error", (e) => req.destroy(e))
      }
    )
  })
  await request("POST", `/2/media/upload/${id}/finalize`, { "content-length": 0 }, (req) => req.end())
  fs.closeSync(fd)
  agent.destroy()
}

const effectClient = async (a: ChildArgs, variant: "xmedia" | "xmedia-default-agent" | "effect-formdata") => {
  const { Effect, Layer, Redacted } = await import("effect")
  const NodeFileSystem = await import("@effect/platform-node/NodeFileSystem")
  const NodeHttpClient = await import("@effect/platform-node/NodeHttpClient")
  const Auth = await import("../src/Auth.js")
  const Ids = await import("../src/Ids.js")
  const MediaUpload = await import("../src/MediaUpload.js")
  const Uploader = await import("../src/Uploader.js")
  const XClient = await import("../src/XClient.js")
  const http = variant === "xmedia-default-agent"
    ? NodeHttpClient.layer
    : NodeHttpClient.layerWithoutAgent.pipe(
      Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true, maxSockets: a.concurrency }))
    )
  const layer = Layer.merge(
    XClient.layer({
      baseUrl: `http://127.0.0.1:${a.port}`,
      auth: Auth.oauth2User({ accessToken: Redacted.make("bench") })
    }).pipe(Layer.provide(http)),
    NodeFileSystem.layer
  )
  const size = fs.statSync(a.file).size
  const program = variant === "effect-formdata"
    ? Effect.gen(function*() {
      const init = yield* MediaUpload.initialize({ media_type: "video/mp4", total_bytes: size, media_category: "tweet_video" })
      const id = Ids.MediaId.make(init.data.id)
      const handle = yield* Effect.promise(() => fs.promises.open(a.file, "r"))
      yield* Effect.forEach(
        segmentsOf(size, a.chunk),
        (s) =>
          Effect.flatMap(
            Effect.promise(async () => {
              const buffer = new Uint8Array(s.length)
              await handle.read(buffer, 0, s.length, s.start)
              return buffer
            }),
            (media) => MediaUpload.append({ id, segment_index: s.index, media })
          ),
        { concurrency: a.concurrency, discard: true }
      )
      yield* Effect.promise(() => handle.close())
      yield* MediaUpload.finalize(id)
    })
    : Uploader.uploadFile(a.file, { chunkSize: a.chunk, concurrency: a.concurrency })
  await Effect.runPromise(Effect.provide(Effect.asVoid<unknown, unknown, EffectNs.Effect.Context<typeof program>>(program), layer))
}

const runChild = async (a: ChildArgs) => {
  const startRss = process.memoryUsage.rss()
  let peak = process.memoryUsage.rss()
  const detail = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 }
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
    if (process.env.BENCH_DEBUG) {
      const m = process.memoryUsage()
      for (const k of Object.keys(detail) as Array<keyof typeof detail>) detail[k] = Math.max(detail[k], m[k])
    }
  }, 20)
  const size = fs.statSync(a.file).size
  // load modules before measuring
  if (a.impl.startsWith("xmedia") || a.impl.startsWith("effect")) {
    await import("effect")
    await import("@effect/platform-node/NodeFileSystem")
    await import("@effect/platform-node/NodeHttpClient")
    await import("../src/Uploader.js")
  }
  const baselineRss = process.memoryUsage.rss()
  const loadedRss = process.memoryUsage.rss()
  const upload = async (args: ChildArgs) => {
    const bytes = fs.statSync(args.file).size
    switch (args.impl) {
      case "fetch":
        return fetchClient(args, bytes)
      case "bare":
        return bareClient(args, bytes)
      case "bare-buffer":
        return bareClient(args, bytes, true)
      case "xmedia":
      case "xmedia-default-agent":
      case "effect-formdata":
        return effectClient(args, args.impl)
      default:
        throw new Error(`unknown impl ${args.impl}`)
    }
  }
  // one small upload first, so every client is measured warm (JIT-compiled), not on its first request
  await upload({ ...a, file: a.warmup })
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await upload(a)
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
    baselineRss,
    startRss,
    loadedRss,
    ...(process.env.BENCH_DEBUG ? { detail, heapAfterGc } : {})
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
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
  } finally {
    fs.closeSync(fd)
  }
  return file
}

/**
 * Bundles this script (with @xmedia/core and Effect, tree-shaken) into one ESM file so every child runs on plain
 * `node`: a child under `tsx` carries the transpiler's memory (about 160 MiB more once Effect is loaded), which
 * would swamp the uploader's own.
 */
const bundle = async (dir: string): Promise<string> => {
  const esbuild = await import("esbuild")
  const outdir = path.join(dir, "bundle")
  await esbuild.build({
    entryPoints: { "bench-child": fileURLToPath(import.meta.url) },
    bundle: true,
    // the Effect client is imported dynamically, so it lands in its own chunks: the bare and fetch children
    // never load it
    splitting: true,
    external: ["esbuild"],
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
  return path.join(outdir, "bench-child.mjs")
}

let childScript: string | undefined

const child = (a: ChildArgs): Promise<ChildResult> =>
  new Promise((resolve, reject) => {
    const script = childScript ?? fileURLToPath(import.meta.url)
    const proc = spawn(
      process.execPath,
      [
        ...(childScript === undefined ? process.execArgv : []),
        ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(" ") : []),
        script,
        "--child",
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
}

let warmup = ""

const measure = async (
  server: Server,
  impl: string,
  file: string,
  sizeMiB: number,
  args: Args,
  concurrency: number
): Promise<Row> => {
  const runs: Array<ChildResult> = []
  for (let i = 0; i < args.repeat; i++) {
    server.received = 0
    const r = await child({ impl, file, warmup, port: server.port, chunk: args.chunk * MiB, concurrency })
    const expectedAtLeast = sizeMiB * MiB
    if (server.received < expectedAtLeast) {
      throw new Error(`${impl}: the server received ${server.received} bytes, expected at least ${expectedAtLeast}`)
    }
    runs.push(r)
    if (process.env.BENCH_DEBUG) console.log(JSON.stringify(r))
  }
  const mbps = median(runs.map((r) => r.bytes / 1e6 / r.seconds))
  const cpuPerGiB = median(runs.map((r) => r.cpuSeconds / (r.bytes / (1024 * MiB))))
  const peakRssMiB = Math.max(...runs.map((r) => Math.max(r.maxRss, r.peakRssSampled))) / MiB
  return { impl, sizeMiB, mbps, cpuPerGiB, peakRssMiB }
}

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
      }${lpad(`${row.peakRssMiB.toFixed(0)} MiB`, 11)}${lpad(ref ? `${(row.mbps / ref.mbps).toFixed(2)}x` : "-", 9)}`
    )
  }
}

const main = async () => {
  const args = parseArgs(process.argv.slice(2))
  const impls = args.only ?? ["bare", "fetch", "xmedia", "xmedia-default-agent", "effect-formdata"]
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xmedia-bench-"))
  const server = await startServer()
  if (!process.argv.includes("--no-bundle")) childScript = await bundle(dir)
  warmup = generate(dir, 8, "warmup")
  console.log(
    `xmedia upload benchmark: node ${process.version}, ${os.cpus().length} CPUs, chunks ${args.chunk} MiB, ` +
      `${args.concurrency} in flight, median of ${args.repeat} runs, load average ${os.loadavg()[0]!.toFixed(1)}, ` +
      `server on 127.0.0.1:${server.port}, ` +
      `clients ${childScript === undefined ? "under tsx" : "bundled (esbuild) on plain node"}`
  )
  try {
    const rows: Array<Row> = []
    for (const sizeMiB of args.sizes) {
      const file = generate(dir, sizeMiB)
      for (const impl of impls) {
        const row = await measure(server, impl, file, sizeMiB, args, args.concurrency)
        rows.push(row)
        console.log(`  ${impl} ${sizeMiB} MiB: ${row.mbps.toFixed(0)} MB/s`)
      }
      fs.rmSync(file)
    }
    printTable("Throughput on loopback", rows, (row) => rows.find((r) => r.impl === "bare" && r.sizeMiB === row.sizeMiB))

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
      console.log(`  concurrent / sequential: ${(concurrent.mbps / sequential.mbps).toFixed(2)}x`)
    }
    const find = (impl: string, size: number) => rows.find((r) => r.impl === impl && r.sizeMiB === size)
    console.log("\nTargets")
    for (const size of args.sizes) {
      const x = find("xmedia", size)
      const b = find("bare", size)
      if (x && b) {
        console.log(`  ${size} MiB: xmedia/bare = ${(x.mbps / b.mbps).toFixed(2)}x (target >= 0.80), peak RSS ${x.peakRssMiB.toFixed(0)} MiB (target < 120)`)
      }
    }
  } finally {
    await server.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === "--child") {
  const [, , , impl, file, warmup, port, chunk, concurrency] = process.argv
  runChild({
    impl: impl!,
    file: file!,
    warmup: warmup!,
    port: Number(port),
    chunk: Number(chunk),
    concurrency: Number(concurrency)
  })
    .then(() => process.exit(0))
    .catch((e: unknown) => {
      console.error(e)
      process.exit(1)
    })
} else {
  main().catch((e: unknown) => {
    console.error(e)
    process.exit(1)
  })
}
