import { FileSystem } from "@effect/platform"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { assert, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Emulator } from "../src/index.js"
import { at, call, fixture, uploadChunked } from "./helpers.js"

it.scoped("--data-dir keeps media, files and posts across restarts; without it nothing is left behind", () =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.makeTempDirectoryScoped({ prefix: "xmedia-persist-" })
    const withEmulator = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.provide(effect, Layer.mergeAll(Emulator.layer({ dataDir: dir, processing: Emulator.immediate }), NodeHttpClient.layer))

    const first = yield* withEmulator(Effect.gen(function*() {
      const { id } = yield* uploadChunked(fixture("sample.png"), "image/png", "tweet_image")
      const post = yield* call("POST", "/2/tweets", { json: { text: "persisted", media: { media_ids: [id] } } })
      return { id, postId: String(at(post.json, "data", "id")) }
    }))
    assert.isTrue(yield* fs.exists(`${dir}/state.json`))

    yield* withEmulator(Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const media = yield* emulator.media(first.id)
      assert.strictEqual(media?.finalized, true)
      assert.isTrue(yield* fs.exists(`${dir}/media/${first.id}/file`))
      const got = yield* call("GET", `/2/tweets/${first.postId}`)
      assert.strictEqual(at(got.json, "data", "text"), String(at(got.json, "data", "text")))
      assert.match(String(at(got.json, "data", "text")), /^persisted /)
      const again = yield* call("POST", "/2/tweets", { json: { media: { media_ids: [first.id] } } })
      assert.strictEqual(again.status, 201)
    }))

    const tempDir = yield* Effect.provide(
      Effect.map(Emulator.Emulator, (e) => e.dataDir),
      Emulator.layer()
    )
    assert.isFalse(yield* fs.exists(tempDir))
  }).pipe(Effect.provide(NodeContext.layer)))
