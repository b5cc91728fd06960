/**
 * `pnpm bench:flows`: 200 flows (a small video + 2 subtitle tracks each) through the emulator, 16 at a time, on the
 * durable SQLite engine and on the in-memory engine in the same run. Prints flows/min and p50/p95 flow time.
 *
 * Environment: FLOWS (default 200), CONCURRENCY (default 16).
 */
import { NodeFileSystem, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Auth, XClient } from "@xmedia/core"
import { Emulator } from "@xmedia/emulator"
import { Clock, Console, Effect, Exit, Layer, Redacted } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Engine, Flow, MediaOpsLive, Runner } from "../src/index.js"

const FLOWS = Number(process.env.FLOWS ?? 200)
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16)
const fixture = (name: string) => fileURLToPath(new URL(`../test/fixtures/${name}`, import.meta.url))

const flowFor = (i: number, label: string) =>
  Flow.beforePost({
    video: fixture("sample.mp4"),
    subtitles: [
      { file: fixture("sample.en.srt"), language: "en", name: "English" },
      { file: fixture("sample.fr.vtt"), language: "fr", name: "Français" }
    ],
    text: `bench ${label} #${i}`
  })

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

const batch = (label: string) =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const results = yield* Effect.forEach(
      Array.from({ length: FLOWS }, (_, i) => i),
      (i) =>
        Effect.gen(function*() {
          const t0 = yield* Clock.currentTimeMillis
          const exit = yield* Effect.exit(Runner.run(flowFor(i, label), { idempotencyKey: `${label}-${i}` }))
          return { ms: (yield* Clock.currentTimeMillis) - t0, ok: Exit.isSuccess(exit), exit }
        }),
      { concurrency: CONCURRENCY }
    )
    const elapsed = (yield* Clock.currentTimeMillis) - started
    const times = results.map((r) => r.ms).sort((a, b) => a - b)
    const failed = results.filter((r) => !r.ok)
    const causes = new Map<string, number>()
    for (const r of failed) {
      const cause = Exit.isFailure(r.exit) && r.exit.cause._tag === "Fail"
        ? `${r.exit.cause.error._tag === "FlowFailed" ? `${r.exit.cause.error.step}: ` : ""}${
          r.exit.cause.error.message.split(". Already on X")[0]!.slice(0, 160)
        }`
        : "defect"
      causes.set(cause, (causes.get(cause) ?? 0) + 1)
    }
    for (const [cause, n] of causes) yield* Console.error(`${label}: ${n} failed: ${cause}`)
    const perMin = (results.filter((r) => r.ok).length / elapsed) * 60_000
    yield* Console.log(
      `${label.padEnd(9)} ${FLOWS} flows, concurrency ${CONCURRENCY}: ${perMin.toFixed(0)} flows/min, ` +
        `p50 ${percentile(times, 50)} ms, p95 ${percentile(times, 95)} ms, failed ${failed.length}, ` +
        `wall ${(elapsed / 1000).toFixed(1)} s`
    )
    return perMin
  })

const program = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  const X = MediaOpsLive.layer.pipe(
    Layer.provide(XClient.layer({
      baseUrl: emulator.url,
      auth: Auth.oauth2User({ accessToken: Redacted.make("xmedia-dev-token") })
    })),
    Layer.provide(NodeHttpClient.layer)
  )
  const memoryLayer = Runner.layer.pipe(
    Layer.provideMerge(Engine.layerMemory),
    Layer.provide(X),
    Layer.provideMerge(NodeFileSystem.layer)
  )
  // warm up the emulator, the HTTP client and the JIT so that neither engine pays for it
  yield* Effect.forEach(Array.from({ length: 8 }, (_, i) => i), (i) =>
    Effect.exit(Runner.run(flowFor(i, "warmup"), { idempotencyKey: `warmup-${i}` })), { concurrency: 4 }).pipe(
      Effect.provide(memoryLayer)
    )
  const memory = yield* batch("memory").pipe(
    Effect.provide(memoryLayer)
  )
  const dir = mkdtempSync(join(tmpdir(), "xmedia-bench-"))
  const durable = yield* batch("durable").pipe(
    Effect.provide(Runner.layer.pipe(
      Layer.provideMerge(Engine.layerSqlite({ filename: join(dir, "flows.db"), pollInterval: "100 millis" })),
      Layer.provide(X),
      Layer.provideMerge(NodeFileSystem.layer)
    )),
    Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
  )
  const ratio = durable / memory
  yield* Console.log(`durable / memory throughput: ${ratio.toFixed(2)}x (target >= 0.5x)`)
})

program.pipe(
  Effect.provide(Emulator.layer({ processing: Emulator.immediate, rateLimitScale: 0.001 })),
  NodeRuntime.runMain
)
