/**
 * Per-request overhead benchmark (not a test): `pnpm bench:overhead [--requests 1000] [--rounds 7]`.
 *
 * The upload benchmark moves 4 MiB segments, where the kernel's copying dominates; this one sends 1 KiB bodies so
 * what each client costs per request shows. A node:http server in a child process answers X's v2 upload routes;
 * in this process, interleaved round by round, it measures CPU microseconds per request of:
 *
 * - `node:http`: a keep-alive agent, the body in one write (the floor);
 * - `platform`: @effect/platform-node's HttpClient over the same kind of agent;
 * - `transport`: the same loop over xmedia's Node transport (`NodeTransport.layer`, @xmedia/node);
 * - `xmedia`: `Uploader.uploadFile` of `requests` segments of 1 KiB (INITIALIZE, APPENDs, FINALIZE) over that
 *   transport, so every layer of xmedia on top of the HttpClient is included.
 *
 * It prints the median and the best round of each. CPU time here is the whole process's, so run it on a quiet
 * machine; compare clients within one run, not across runs.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { HttpBody, HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeTransport } from "@xmedia/node"
import { Effect, Layer, Redacted } from "effect"
import { fork } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import { fileURLToPath } from "node:url"
import * as Auth from "../src/Auth.js"
import * as Uploader from "../src/Uploader.js"
import * as XClient from "../src/XClient.js"

const MEDIA_ID = "1880028106020515840"

const serve = () => {
  const server = http.createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      const url = req.url ?? ""
      const body = url.endsWith("/append")
        ? { data: { expires_at: 1900000000 } }
        : { data: { id: MEDIA_ID, media_key: `7_${MEDIA_ID}`, expires_after_secs: 86400 } }
      const text = JSON.stringify(body)
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
      res.end(text)
    })
  })
  server.keepAliveTimeout = 30_000
  // stop with the benchmark, however it ends
  process.on("disconnect", () => process.exit(0))
  server.listen(0, "127.0.0.1", () => process.send!((server.address() as { port: number }).port))
}

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

const main = async () => {
  const requests = arg("requests", 1000)
  const rounds = arg("rounds", 7)
  const server = fork(fileURLToPath(import.meta.url), ["--serve"], { execArgv: process.execArgv })
  const port = await new Promise<number>((resolve) => server.once("message", (m) => resolve(m as number)))
  const body = new Uint8Array(1024)

  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
  const rawOne = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: `/2/media/upload/${MEDIA_ID}/append`,
          agent,
          headers: { "content-type": "application/octet-stream", "content-length": body.length, authorization: "Bearer x" }
        },
        (res) => {
          let text = ""
          res.setEncoding("utf8")
          res.on("data", (d: string) => (text += d))
          res.on("end", () => {
            JSON.parse(text)
            resolve()
          })
        }
      )
      req.on("error", reject)
      req.end(body)
    })
  const raw = async () => {
    let sent = 0
    await Promise.all([0, 1, 2, 3].map(async () => {
      while (sent++ < requests) await rawOne()
    }))
  }

  const httpLayer = NodeHttpClient.layerWithoutAgent.pipe(
    Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true, maxSockets: 4 }))
  )
  const transportLayer = NodeTransport.layer({ maxSockets: 4 })
  const loop = Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const request = HttpClientRequest.post(`http://127.0.0.1:${port}/2/media/upload/${MEDIA_ID}/append`).pipe(
      HttpClientRequest.bearerToken("x"),
      HttpClientRequest.setBody(HttpBody.uint8Array(body, "application/octet-stream"))
    )
    yield* Effect.forEach(Array.from({ length: requests }), () => Effect.flatMap(client.execute(request), (r) => r.json), {
      concurrency: 4,
      discard: true
    })
  })
  const platformProgram = Effect.provide(loop, httpLayer)
  const transportProgram = Effect.provide(loop, transportLayer)

  const sample = fs.readFileSync(new URL("../test/fixtures/sample.mp4", import.meta.url)).subarray(0, 4096)
  const bytes = new Uint8Array(1024 * requests)
  bytes.set(sample, 0)
  const xmediaProgram = Uploader.uploadFile(bytes, { chunkSize: 1024, concurrency: 4 }).pipe(
    Effect.asVoid,
    Effect.provide(Layer.merge(
      XClient.layer({
        baseUrl: `http://127.0.0.1:${port}`,
        auth: Auth.oauth2User({ accessToken: Redacted.make("bench") })
      }).pipe(Layer.provide(transportLayer)),
      NodeFileSystem.layer
    ))
  )

  const clients: ReadonlyArray<readonly [string, () => Promise<void>]> = [
    ["node:http", raw],
    ["platform", () => Effect.runPromise(platformProgram)],
    ["transport", () => Effect.runPromise(transportProgram)],
    ["xmedia", () => Effect.runPromise(xmediaProgram)]
  ]
  const samples = new Map<string, Array<number>>(clients.map(([name]) => [name, []]))
  for (const [, run] of clients) await run() // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of clients) {
      const cpu0 = process.cpuUsage()
      await run()
      const cpu = process.cpuUsage(cpu0)
      samples.get(name)!.push((cpu.user + cpu.system) / requests)
    }
  }
  server.kill()
  agent.destroy()
  console.log(`Per-request CPU, ${requests} requests of 1 KiB, 4 in flight, ${rounds} interleaved rounds`)
  console.log(`${"client".padEnd(12)}${"median µs".padStart(12)}${"best µs".padStart(10)}`)
  for (const [name] of clients) {
    const xs = [...samples.get(name)!].sort((a, b) => a - b)
    console.log(`${name.padEnd(12)}${xs[Math.floor(xs.length / 2)]!.toFixed(0).padStart(12)}${xs[0]!.toFixed(0).padStart(10)}`)
  }
}

if (process.argv.includes("--serve")) serve()
else {
  main().catch((e: unknown) => {
    console.error(e)
    process.exit(1)
  })
}
