/**
 * The README example, compiled and run against a fake X. Keep it in sync with README.md / docs/core.md.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { MediaMetadata, MediaUpload, Posts, Retry, XClient } from "../src/index.js"
import { makeFake } from "./utils/FakeHttp.js"

// --- README example -------------------------------------------------------------------------------------------
// import { FetchHttpClient } from "@effect/platform"
// import { Effect, Layer } from "effect"
// import { readFileSync } from "node:fs"
// import { MediaMetadata, MediaUpload, Posts, Retry, XClient } from "@xmedia/core"

const postImage = (bytes: Uint8Array, altText: string) =>
  Effect.gen(function*() {
    const { data: media } = yield* MediaUpload.upload({ media: bytes, media_category: "tweet_image" })
    yield* MediaMetadata.create({ id: media.id, metadata: { alt_text: { text: altText } } })
    const { data: post } = yield* Posts.create({ text: "Hello from xmedia", media: { media_ids: [media.id] } })
    return post.id
  }) // fails with typed XError.* values: InvalidInput, RateLimited, PostMayExist, ...

// X_ACCESS_TOKEN (and optionally X_REFRESH_TOKEN, X_CLIENT_ID) come from the environment.
const XLive = (http: Layer.Layer<import("@effect/platform").HttpClient.HttpClient>) =>
  XClient.layerConfig({ retry: { default: Retry.standard } }).pipe(Layer.provide(http)) // http = FetchHttpClient.layer
// --------------------------------------------------------------------------------------------------------------

describe("README example", () => {
  it.effect("uploads, sets alt text and posts", () => {
    const fake = makeFake((r) => {
      if (r.url.pathname === "/2/media/upload") {
        return { status: 200, body: { data: { id: "1920164881153900544", media_key: "3_1920164881153900544", image: { w: 64, h: 48 } } } }
      }
      if (r.url.pathname === "/2/media/metadata") return { status: 200, body: { data: { id: "1920164881153900544" } } }
      return { status: 201, body: { data: { id: "1445880548472328192", text: "Hello from xmedia" } } }
    })
    const png = new Uint8Array(readFileSync(fileURLToPath(new URL("./fixtures/sample.png", import.meta.url))))
    return Effect.gen(function*() {
      const id = yield* postImage(png, "A 64x48 test image")
      assert.strictEqual(id, "1445880548472328192")
      assert.deepStrictEqual(fake.requests.map((r) => r.url.pathname), ["/2/media/upload", "/2/media/metadata", "/2/tweets"])
      assert.deepStrictEqual(JSON.parse(fake.requests[2].text!).media.media_ids, ["1920164881153900544"])
    }).pipe(
      Effect.provide(XLive(fake.httpLayer)),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["X_ACCESS_TOKEN", "token"]])))
    )
  })
})
