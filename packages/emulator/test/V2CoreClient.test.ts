import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Auth, MediaUpload, Posts, XClient } from "@xmedia/core"
import { Effect, Layer, Redacted } from "effect"
import { Emulator } from "../src/index.js"
import { fixture } from "./helpers.js"

// @xmedia/core's own endpoint functions (and so its response Schemas) against the emulator in strict mode.
const EmulatorLive = Emulator.layer({ processing: Emulator.afterPolls(1), strict: true })
const ClientLive = Layer.unwrapEffect(
  Effect.map(Emulator.Emulator, (emulator) =>
    XClient.layer({
      baseUrl: emulator.url,
      uploadBaseUrl: emulator.url,
      auth: Auth.oauth2User({ accessToken: Redacted.make("xmedia-dev-token") })
    }))
)
const TestLayer = ClientLive.pipe(Layer.provideMerge(EmulatorLive), Layer.provideMerge(NodeHttpClient.layer))

layer(TestLayer)("@xmedia/core against the emulator", (it) => {
  it.effect("initialize, append, finalize, status and Posts.create decode with core's schemas", () =>
    Effect.gen(function*() {
      const video = fixture("sample.mp4")
      const init = yield* MediaUpload.initialize({ media_type: "video/mp4", total_bytes: video.length, media_category: "tweet_video" })
      const id = init.data.id
      const half = Math.ceil(video.length / 2)
      yield* MediaUpload.append({ id, segment_index: 0, media: video.subarray(0, half) })
      yield* MediaUpload.append({ id, segment_index: 1, media: video.subarray(half) })
      const fin = yield* MediaUpload.finalize(id)
      assert.strictEqual(fin.data.processing_info?.state, "pending")
      const st = yield* MediaUpload.status(id)
      assert.strictEqual(st.data.processing_info?.state, "succeeded")
      const post = yield* Posts.create({ text: "core", media: { media_ids: [id] } })
      assert.match(post.data.id, /^[0-9]{19}$/)
    }))
})
