import { FetchHttpClient } from "@effect/platform"
import { NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Auth, MediaUpload, XClient } from "@xmedia/core"
import { Effect, Layer, Redacted } from "effect"
import { readFileSync } from "node:fs"
import * as Emulator from "./src/Emulator.js"
const bytes = new Uint8Array(readFileSync("/work/main/packages/core/test/fixtures/sample.en.srt"))
if (process.env.BLOCK) setInterval(() => { const t = Date.now(); while (Date.now() - t < Number(process.env.BLOCK)); }, 2000)
const conc = Number(process.env.CONC ?? 8)
const n = Number(process.env.N ?? 200)
const program = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  const one = Effect.gen(function*() {
    const init = yield* MediaUpload.initialize({ media_type: "text/srt", total_bytes: bytes.length, media_category: "subtitles" })
    const r = yield* Effect.either(MediaUpload.append({ id: init.data.id, segment_index: 0, media: bytes }))
    if (r._tag === "Left") {
      for (let i = 0; i < 3; i++) {
        const again = yield* Effect.either(MediaUpload.append({ id: init.data.id, segment_index: 0, media: bytes }))
        console.log("retry", i, again._tag === "Left" ? JSON.stringify(again.left).slice(0, 300) : "ok")
      }
      return yield* r.left
    }
  }).pipe(Effect.either)
  for (const [name, client] of [["node", NodeHttpClient.layer], ["fetch", FetchHttpClient.layer]] as const) {
    const t0 = Date.now()
    const results = yield* Effect.forEach(Array.from({ length: n }), () => one, { concurrency: conc }).pipe(
      Effect.provide(XClient.layer({ baseUrl: emulator.url, auth: Auth.oauth2User({ accessToken: Redacted.make("xmedia-dev-token") }) }).pipe(Layer.provide(client))))
    const bad = results.filter((r) => r._tag === "Left")
    console.log(name, "failed", bad.length, "of", n, "in", Date.now() - t0, "ms", bad[0]?._tag === "Left" ? JSON.stringify(bad[0].left).slice(0, 400) : "")
  }
})
program.pipe(Effect.provide(Emulator.layer({ rateLimitScale: 0.0001 })), NodeRuntime.runMain)
