/**
 * The full v1.1 flow of @xmedia/core (`MediaV1`, OAuth 1.0a) against the emulator over real HTTP: chunked video
 * upload with STATUS polling, a subtitle file attached and detached, an image with alt text, a post (v2, signed with
 * OAuth 1.0a), `Uploader.uploadFile` with `protocol: "v1.1"`, and the refusals: a wrong signature and a replayed
 * nonce.
 */
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Auth, MediaV1, Posts, Retry, Uploader, XClient } from "@xmedia/core"
import { Effect, Layer, Random, Redacted } from "effect"
import * as crypto from "node:crypto"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { AdminClient, Emulator, Identities } from "../src/index.js"
import { fixture } from "./helpers.js"

const credentials = (overrides?: Partial<Record<keyof typeof Identities.DEV_OAUTH1, string>>) => {
  const c = { ...Identities.DEV_OAUTH1, ...overrides }
  return Auth.oauth1User({
    consumerKey: Redacted.make(c.consumerKey),
    consumerSecret: Redacted.make(c.consumerSecret),
    accessToken: Redacted.make(c.accessToken),
    accessTokenSecret: Redacted.make(c.accessTokenSecret)
  })
}

/** An XClient on the running emulator, both hosts pointed at it. */
const clientOn = (auth: Auth.Credentials) =>
  Layer.unwrapEffect(
    Effect.map(Emulator.Emulator, (emulator) =>
      XClient.layer({ baseUrl: emulator.url, uploadBaseUrl: emulator.url, auth }).pipe(
        Layer.provide(NodeHttpClient.layer)
      ))
  )

/** Uploads bytes with INIT / APPEND (chunks) / FINALIZE, then polls STATUS (no sleeping: afterPolls mode). */
const chunked = (bytes: Uint8Array, media_type: "video/mp4" | "text/srt", media_category: "tweet_video" | "subtitles") =>
  Effect.gen(function*() {
    const init = yield* MediaV1.initialize({ total_bytes: bytes.length, media_type, media_category })
    const id = init.media_id_string
    const chunk = 64 * 1024
    for (let offset = 0, index = 0; offset < bytes.length; offset += chunk, index++) {
      yield* MediaV1.append({ media_id: id, segment_index: index, media: bytes.subarray(offset, offset + chunk) })
    }
    let media = yield* MediaV1.finalize(id)
    for (let polls = 0; media.processing_info !== undefined && media.processing_info.state !== "succeeded"; polls++) {
      assert.isBelow(polls, 10, "processing never finished")
      media = yield* MediaV1.status(id)
    }
    return media
  })

describe("@xmedia/core v1.1 flow against the emulator (OAuth 1.0a over real HTTP)", () => {
  const emulatorLayer = Emulator.layer({ processing: Emulator.afterPolls(2) })

  it.live("video + subtitles + alt text + post, all on v1.1 media endpoints", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const video = fixture("sample.mp4")
      const done = yield* chunked(video, "video/mp4", "tweet_video")
      const videoId = done.media_id_string
      assert.match(videoId, /^[0-9]{19}$/)
      assert.strictEqual(done.processing_info?.state ?? "succeeded", "succeeded")
      const record = yield* emulator.media(videoId)
      assert.strictEqual(record?.bytesReceived, video.length)
      assert.strictEqual(record?.source, "v1-chunked")

      const srt = yield* chunked(fixture("sample.en.srt"), "text/srt", "subtitles")
      yield* MediaV1.createSubtitles({
        media_id: videoId,
        media_category: "TweetVideo",
        subtitle_info: { subtitles: [{ media_id: srt.media_id_string, language_code: "EN", display_name: "English" }] }
      })
      const withSubtitles = yield* emulator.media(videoId)
      assert.deepStrictEqual(withSubtitles?.subtitles.map((t) => [t.id, t.language_code]), [[srt.media_id_string, "EN"]])

      const image = yield* MediaV1.upload({ media: fixture("sample.png"), media_category: "tweet_image" })
      assert.strictEqual(image.image?.w, 64)
      yield* MediaV1.createMetadata({ media_id: image.media_id_string, alt_text: { text: "A small test image" } })
      const imageRecord = yield* emulator.media(image.media_id_string)
      assert.include(JSON.stringify(imageRecord?.metadata), "A small test image")

      const post = yield* Posts.create({ text: "v1.1 upload, v2 post, OAuth 1.0a", media: { media_ids: [videoId] } })
      const posts = yield* emulator.posts
      assert.deepStrictEqual(posts.find((p) => p.id === post.data.id)?.mediaIds, [videoId])

      yield* MediaV1.deleteSubtitles({
        media_id: videoId,
        media_category: "TweetVideo",
        subtitle_info: { subtitles: [{ language_code: "EN" }] }
      })
      assert.deepStrictEqual((yield* emulator.media(videoId))?.subtitles, [])
    }).pipe(Effect.provide(clientOn(credentials()).pipe(Layer.provideMerge(emulatorLayer)))))

  it.live("MediaV1.protocol (the uploader's v1.1 switch) uploads and answers in v2 shapes", () =>
    Effect.gen(function*() {
      const api: MediaV1.UploadProtocol = MediaV1.protocol
      const png = fixture("sample.png")
      const init = yield* api.initialize({ media_type: "image/png", total_bytes: png.length, media_category: "tweet_image" })
      yield* api.append({ id: init.data.id, segment_index: 0, media: png })
      const fin = yield* api.finalize(init.data.id)
      assert.strictEqual(fin.data.id, init.data.id)
      assert.strictEqual(fin.data.image?.w, 64)
    }).pipe(Effect.provide(clientOn(credentials()).pipe(Layer.provideMerge(emulatorLayer)))))

  it.live("Uploader.uploadFile with protocol v1.1 streams the MP4 from disk to media/upload.json; admin sha256 matches", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../core/test/fixtures/sample.mp4")
      const bytes = fixture("sample.mp4")
      const events: Array<Uploader.Progress["_tag"]> = []
      const media = yield* Uploader.uploadFile(file, {
        protocol: "v1.1",
        chunkSize: 8 * 1024,
        concurrency: 2,
        onProgress: (event) => Effect.sync(() => void events.push(event._tag))
      })
      assert.match(media.mediaId, /^[0-9]{19}$/)
      assert.strictEqual(media.mediaCategory, "tweet_video")
      assert.strictEqual(media.media.processing_info?.state, "succeeded")
      assert.strictEqual(events.filter((t) => t === "SegmentSent").length, Math.ceil(bytes.length / (8 * 1024)))
      assert.strictEqual(events.at(-1), "Completed")

      const admin = yield* AdminClient.make(emulator.url)
      const view = yield* admin.media(media.mediaId)
      assert.strictEqual(view.source, "v1-chunked")
      assert.isTrue(view.finalized)
      assert.strictEqual(view.size, bytes.length)
      assert.strictEqual(view.sha256, crypto.createHash("sha256").update(bytes).digest("hex"))
      // every upload call went to the v1.1 route, signed with OAuth 1.0a
      const journal = yield* admin.requests()
      const count = (operation: string) => journal.filter((r) => r.operation === operation).length
      assert.deepStrictEqual(
        [count("v1.media.init"), count("v1.media.append"), count("v1.media.finalize"), count("v1.media.status")],
        [1, Math.ceil(bytes.length / (8 * 1024)), 1, 2]
      )
      for (const entry of journal) {
        assert.strictEqual(entry.path.split("?")[0], "/1.1/media/upload.json")
        assert.strictEqual(entry.authKind, "oauth1-user")
        assert.isBelow(entry.status, 300)
      }
    }).pipe(
      Effect.provide(
        Layer.mergeAll(clientOn(credentials()), NodeHttpClient.layer, NodeContext.layer).pipe(
          Layer.provideMerge(emulatorLayer)
        )
      )
    ))

  it.live("a wrong signature is refused: Unauthorized with X's code 32", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(MediaV1.initialize({ total_bytes: 10, media_type: "image/png" }, { retry: Retry.none }))
      assert.strictEqual(error._tag, "Unauthorized")
      if (error._tag === "Unauthorized") assert.strictEqual(error.code, 32)
      assert.notInclude(error.message, "not-the-secret")
    }).pipe(Effect.provide(clientOn(credentials({ consumerSecret: "not-the-secret" })).pipe(Layer.provideMerge(emulatorLayer)))))

  it.live("a replayed nonce is refused: the second identical signature gets Unauthorized", () =>
    Effect.gen(function*() {
      const init = yield* MediaV1.initialize({ total_bytes: 10, media_type: "image/png" })
      // the same seed gives the same oauth_nonce
      const sameNonce = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.withRandom(effect, Random.make("fixed-seed"))
      const first = yield* sameNonce(MediaV1.status(init.media_id_string, { retry: Retry.none })).pipe(Effect.either)
      assert.notStrictEqual(first._tag === "Left" ? first.left._tag : "ok", "Unauthorized")
      const replay = yield* Effect.flip(sameNonce(MediaV1.status(init.media_id_string, { retry: Retry.none })))
      assert.strictEqual(replay._tag, "Unauthorized")
      if (replay._tag === "Unauthorized") assert.strictEqual(replay.code, 32)
    }).pipe(Effect.provide(clientOn(credentials()).pipe(Layer.provideMerge(emulatorLayer)))))
})
