/**
 * `pnpm bench:emulator`: 32 concurrent chunked uploads of 64 MiB each through real HTTP against the emulator
 * running in its own process (`src/bin.ts`). Every assembled file's sha256 (from the admin API) must match the
 * client's; prints throughput and the emulator's peak RSS (VmHWM; target under 300 MB).
 *
 * Options (env): BENCH_UPLOADS (32), BENCH_MIB (64), BENCH_CHUNK_MIB (4).
 */
import { Command, HttpBody, HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeContext, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Console, Data, Effect, Stream } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

class BenchError extends Data.TaggedError("BenchError")<{ readonly message: string }> {}

const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 32)
const MIB = Number(process.env.BENCH_MIB ?? 64)
const CHUNK = Number(process.env.BENCH_CHUNK_MIB ?? 4) * 1024 * 1024
const TOTAL = MIB * 1024 * 1024
const here = path.dirname(fileURLToPath(import.meta.url))
const bin = path.join(here, "../src/bin.ts")

/** Deterministic pseudo-random chunk `index` of upload `n` (never the whole file in memory). */
const chunkOf = (n: number, index: number): Uint8Array<ArrayBuffer> => {
  const size = Math.min(CHUNK, TOTAL - index * CHUNK)
  const out = new Uint8Array(size)
  let x = (n * 2654435761 + index * 40503 + 1) >>> 0
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
    out[i + 1] = (x >>> 8) & 0xff
    out[i + 2] = (x >>> 16) & 0xff
    out[i + 3] = (x >>> 24) & 0xff
  }
  return out
}

const peakRssMb = (pid: number): number => {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8")
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb / 1024
}

const uploadOne = (base: string, n: number) =>
  Effect.gen(function*() {
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest(HttpClientRequest.bearerToken("xmedia-dev-token")),
      HttpClient.filterStatusOk
    )
    const init = yield* client.execute(
      HttpClientRequest.post(`${base}/2/media/upload/initialize`).pipe(
        HttpClientRequest.bodyUnsafeJson({ media_type: "video/mp4", total_bytes: TOTAL, media_category: "tweet_video" })
      )
    ).pipe(Effect.flatMap((r) => r.json))
    const id = (init as { data: { id: string } }).data.id
    const hash = crypto.createHash("sha256")
    const segments = Math.ceil(TOTAL / CHUNK)
    for (let i = 0; i < segments; i++) {
      const bytes = chunkOf(n, i)
      hash.update(bytes)
      const form = new FormData()
      form.append("segment_index", String(i))
      form.append("media", new Blob([bytes], { type: "application/octet-stream" }))
      yield* client.execute(
        HttpClientRequest.post(`${base}/2/media/upload/${id}/append`).pipe(HttpClientRequest.setBody(HttpBody.formData(form)))
      ).pipe(Effect.flatMap((r) => r.text))
    }
    yield* client.execute(HttpClientRequest.post(`${base}/2/media/upload/${id}/finalize`)).pipe(Effect.flatMap((r) => r.text))
    const view = yield* client.execute(HttpClientRequest.get(`${base}/_emulator/media/${id}`)).pipe(Effect.flatMap((r) => r.json))
    return { id, expected: hash.digest("hex"), actual: (view as { sha256?: string }).sha256 }
  }).pipe(Effect.scoped)

const main = Effect.gen(function*() {
  const proc = yield* Command.make(process.execPath, "--max-old-space-size=128", "--max-semi-space-size=2", "--import", "tsx", bin, "--port", "0", "--processing", "immediate").pipe(
    Command.start
  )
  const url = yield* proc.stdout.pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.map((line) => /listening on (http:\/\/\S+)/.exec(line)?.[1]),
    Stream.filter((u): u is string => u !== undefined),
    Stream.runHead,
    Effect.flatMap(Effect.orElseFail(() => new BenchError({ message: "the emulator did not start" })))
  )
  yield* Console.log(`emulator ${url} (pid ${proc.pid}); ${UPLOADS} uploads x ${MIB} MiB in ${CHUNK / 1048576} MiB chunks`)
  const started = Date.now()
  const results = yield* Effect.forEach(Array.from({ length: UPLOADS }, (_, n) => n), (n) => uploadOne(url, n), {
    concurrency: "unbounded"
  })
  const seconds = (Date.now() - started) / 1000
  const bad = results.filter((r) => r.expected !== r.actual)
  const peak = peakRssMb(proc.pid)
  yield* Console.log(
    `${results.length} uploads, ${(UPLOADS * MIB).toFixed(0)} MiB in ${seconds.toFixed(1)} s: ${
      (UPLOADS * MIB / seconds).toFixed(1)
    } MiB/s; sha256 mismatches: ${bad.length}; emulator peak RSS ${peak.toFixed(1)} MB (target < 300 MB)`
  )
  yield* proc.kill("SIGINT")
  if (bad.length > 0 || peak >= 300) return yield* new BenchError({ message: "benchmark failed its targets" })
}).pipe(Effect.scoped, Effect.provide([NodeContext.layer, NodeHttpClient.layer]))

NodeRuntime.runMain(main)
