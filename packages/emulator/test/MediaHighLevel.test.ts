/**
 * `Media` (the high-level interface of @xmedia/core) against the emulator over real HTTP, on both API generations
 * with the dev OAuth 1.0a credentials: upload (video, subtitle file, image) -> alt text -> attach subtitles ->
 * post -> detach subtitles. The emulator's journal proves which generation's routes each run used.
 */
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Auth, Media, XClient } from "@xmedia/core"
import { Effect, Layer, Redacted } from "effect"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { AdminClient, Emulator, Identities } from "../src/index.js"

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../core/test/fixtures")
const file = (name: string) => path.join(fixtures, name)

const auth = Auth.oauth1User({
  consumerKey: Redacted.make(Identities.DEV_OAUTH1.consumerKey),
  consumerSecret: Redacted.make(Identities.DEV_OAUTH1.consumerSecret),
  accessToken: Redacted.make(Identities.DEV_OAUTH1.accessToken),
  accessTokenSecret: Redacted.make(Identities.DEV_OAUTH1.accessTokenSecret)
})

/** An XClient on the running emulator, both hosts pointed at it. */
const client = Layer.unwrapEffect(
  Effect.map(Emulator.Emulator, (emulator) =>
    XClient.layer({ baseUrl: emulator.url, uploadBaseUrl: emulator.url, auth }).pipe(
      Layer.provide(NodeHttpClient.layer)
    ))
)

const layer = Layer.mergeAll(client, NodeHttpClient.layer, NodeContext.layer).pipe(
  Layer.provideMerge(Emulator.layer({ processing: Emulator.afterPolls(1) }))
)

/** The whole workflow through `Media` only; the protocol comes from the scope. */
const workflow = Effect.gen(function*() {
  const emulator = yield* Emulator.Emulator
  const video = yield* Media.upload(file("sample.mp4"), { chunkSize: 16 * 1024 })
  const srt = yield* Media.upload(file("sample.en.srt"))
  const image = yield* Media.upload(file("sample.png"))
  assert.strictEqual(video.mediaCategory, "tweet_video")
  assert.strictEqual(srt.mediaCategory, "subtitles")
  assert.strictEqual(image.mediaCategory, "tweet_image")

  const alt = yield* Media.setAltText(image.mediaId, "A small test image")
  assert.strictEqual(alt.mediaId, image.mediaId)
  assert.include(JSON.stringify((yield* emulator.media(image.mediaId))?.metadata), "A small test image")

  const attached = yield* Media.attachSubtitles({
    video: video.mediaId,
    videoCategory: video.mediaCategory,
    subtitles: { mediaId: srt.mediaId, language: "en-US", name: "English" }
  })
  assert.strictEqual(attached.video, video.mediaId)
  assert.strictEqual(attached.videoCategory, "TweetVideo")
  assert.strictEqual(attached.language, "EN")
  assert.deepStrictEqual(
    (yield* emulator.media(video.mediaId))?.subtitles.map((t) => [t.id, t.language_code]),
    [[srt.mediaId, "EN"]]
  )

  const posted = yield* Media.post({ text: `high-level ${yield* Media.Protocol}`, mediaIds: [video.mediaId] })
  assert.deepStrictEqual((yield* emulator.posts).find((p) => p.id === posted.postId)?.mediaIds, [video.mediaId])

  const detached = yield* Media.detachSubtitles({ video: video.mediaId, videoCategory: "tweet_video", language: "en" })
  assert.strictEqual(detached.language, "EN")
  assert.deepStrictEqual((yield* emulator.media(video.mediaId))?.subtitles, [])

  const journal = yield* (yield* AdminClient.make(emulator.url)).requests()
  for (const entry of journal) {
    assert.strictEqual(entry.authKind, "oauth1-user")
    assert.isBelow(entry.status, 300, `${entry.method} ${entry.path} answered ${entry.status}`)
  }
  return { attached, detached, paths: journal.map((r) => `${r.method} ${r.path.split("?")[0]}`) }
})

describe("Media (high-level) against the emulator over real HTTP, OAuth 1.0a", () => {
  it.live("v2 (default): upload -> alt text -> attach -> post -> detach on the /2 routes", () =>
    Effect.gen(function*() {
      const { attached, detached, paths } = yield* workflow
      assert.strictEqual(attached.protocol, "v2")
      assert.deepStrictEqual(attached.tracks?.map((t) => t.language_code), ["EN"])
      assert.strictEqual(detached.deleted, true)
      assert.isFalse(paths.some((p) => p.includes("/1.1/")), paths.join("\n"))
      for (
        const route of [
          "POST /2/media/upload/initialize",
          "POST /2/media/metadata",
          "POST /2/media/subtitles",
          "DELETE /2/media/subtitles",
          "POST /2/tweets"
        ]
      ) assert.include(paths, route)
    }).pipe(Effect.provide(layer)))

  it.live("v1.1 (Media.layer): the same program on media/upload.json, metadata/create, subtitles/create+delete", () =>
    Effect.gen(function*() {
      const { attached, detached, paths } = yield* workflow
      assert.strictEqual(attached.protocol, "v1.1")
      assert.isUndefined(attached.tracks)
      assert.isUndefined(detached.deleted)
      // posting is always v2; everything else went to the v1.1 routes
      assert.deepStrictEqual(paths.filter((p) => p.includes("/2/")), ["POST /2/tweets"])
      for (
        const route of [
          "POST /1.1/media/upload.json",
          "POST /1.1/media/metadata/create.json",
          "POST /1.1/media/subtitles/create.json",
          "POST /1.1/media/subtitles/delete.json"
        ]
      ) assert.include(paths, route)
    }).pipe(Effect.provide(Layer.merge(layer, Media.layer({ protocol: "v1.1" })))))
})
