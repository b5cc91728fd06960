import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { MediaAnalytics, MediaLookup, MediaMetadata, MediaSubtitles, MediaUpload, Posts, type XClient, type XError } from "../src/index.js"
import { fakeClient } from "./utils/FakeHttp.js"

const expectInvalid = <A>(
  call: Effect.Effect<A, XError.XError, XClient.XClient>,
  field: string,
  says: string
) =>
  Effect.gen(function*() {
    const e = yield* Effect.flip(call)
    assert.strictEqual(e._tag, "InvalidInput")
    if (e._tag !== "InvalidInput") return
    assert.strictEqual(e.field, field)
    assert.include(e.message, says)
  })

describe("local validation: InvalidInput, no network call", () => {
  it.effect("bad input on every endpoint", () => {
    const fake = fakeClient(() => ({ status: 200, body: {} }))
    const cases = Effect.gen(function*() {
      yield* expectInvalid(MediaUpload.finalize("12ab"), "id", "1 to 19 decimal digits")
      yield* expectInvalid(MediaUpload.status("12345678901234567890"), "id", "1 to 19 decimal digits")
      yield* expectInvalid(
        MediaUpload.initialize({ media_type: "image/png", total_bytes: 10, media_category: "tweet_photo" as never }),
        "media_category",
        "expected one of \"tweet_image\", \"tweet_gif\", \"tweet_video\", \"amplify_video\", \"dm_image\""
      )
      yield* expectInvalid(
        MediaUpload.initialize({ media_type: "video/avi" as never, total_bytes: 10 }),
        "media_type",
        "\"video/quicktime\""
      )
      yield* expectInvalid(MediaUpload.initialize({ media_type: "image/png", total_bytes: -1 }), "total_bytes", "between 0 and")
      yield* expectInvalid(
        MediaUpload.upload({ media: new Uint8Array(1), media_category: "amplify_video" as never }),
        "media_category",
        "upload it with the chunked upload"
      )
      yield* expectInvalid(
        MediaUpload.append({ id: "1", segment_index: 0, media: new Uint8Array(5_000_001) }),
        "media",
        "at most 5 MB (5000000 bytes"
      )
      yield* expectInvalid(
        MediaUpload.append({ id: "1", segment_index: 0, media: new Uint8Array(0) }),
        "media",
        "at least one byte"
      )
      yield* expectInvalid(
        MediaUpload.upload({ media: new Uint8Array(5_000_001), media_category: "tweet_image" }),
        "media",
        "at most 5000000 bytes as tweet_image"
      )
      yield* expectInvalid(MediaUpload.upload({ media: new Uint8Array(0), media_category: "subtitles" }), "media", "empty")
      yield* expectInvalid(
        MediaUpload.append({ id: "1", segment_index: 1000, media: new Uint8Array(1) }),
        "segment_index",
        "0 to 999"
      )
      yield* expectInvalid(
        MediaMetadata.create({ id: "1", metadata: { alt_text: { text: "x".repeat(1001) } } }),
        "metadata.alt_text.text",
        "at most 1000 characters (got 1001)"
      )
      yield* expectInvalid(
        MediaMetadata.create({
          id: "1",
          metadata: { geo_restrictions: { whitelisted_country_codes: ["US"], blacklisted_country_codes: ["FR"] } }
        }),
        "metadata.geo_restrictions",
        "exactly one non-empty list"
      )
      yield* expectInvalid(
        MediaMetadata.create({
          id: "1",
          metadata: { geo_restrictions: { whitelisted_country_codes: [], blacklisted_country_codes: [] } }
        }),
        "metadata.geo_restrictions",
        "exactly one non-empty list"
      )
      yield* expectInvalid(
        MediaMetadata.create({ id: "1", metadata: { sticker_info: { stickers: [] } } }),
        "metadata.sticker_info.stickers",
        "must not be empty"
      )
      yield* expectInvalid(
        MediaMetadata.create({ id: "1", metadata: { sticker_info: { stickers: Array.from({ length: 26 }, () => ({ id: "s" })) } } }),
        "metadata.sticker_info.stickers",
        "at most 25"
      )
      yield* expectInvalid(
        MediaMetadata.create({ id: "1", metadata: { found_media_origin: { provider: "giphy-long", id: "x" } } }),
        "metadata.found_media_origin.provider",
        "at most 8"
      )
      yield* expectInvalid(
        MediaSubtitles.create({ id: "1", media_category: "TweetVideo", subtitles: { id: "2", language_code: "en-US", display_name: "English" } }),
        "subtitles.language_code",
        "two upper-case letters"
      )
      yield* expectInvalid(
        MediaSubtitles.remove({ id: "1", media_category: "tweet_video" as never, language_code: "EN" }),
        "media_category",
        "expected one of \"TweetVideo\", \"AmplifyVideo\"; got \"tweet_video\""
      )
      yield* expectInvalid(Posts.create({ text: "" }), "text", "needs text or media")
      yield* expectInvalid(
        Posts.create({ text: "x", media: { media_ids: ["1", "2", "3", "4", "5"] } }),
        "media.media_ids",
        "at most 4"
      )
      yield* expectInvalid(Posts.create({ media: { media_ids: [] } }), "media.media_ids", "1 to 4")
      yield* expectInvalid(Posts.remove("abc"), "id", "A post id")
      yield* expectInvalid(MediaLookup.byKey("1234"), "media_key", "<prefix>_<media id>")
      yield* expectInvalid(MediaLookup.byKeys([]), "media_keys", "at least one")
      yield* expectInvalid(
        MediaAnalytics.get({ media_keys: ["7_1"], start_time: "2025-03-18", end_time: "2025-03-19T00:00:00Z" }),
        "start_time",
        "YYYY-MM-DDTHH:mm:ssZ"
      )
      yield* expectInvalid(
        MediaAnalytics.get({ media_keys: ["7_1"], start_time: "2025-03-19T00:00:00Z", end_time: "2025-03-18T00:00:00Z" }),
        "start_time",
        "before end_time"
      )
      yield* expectInvalid(
        MediaUpload.initialize({ media_type: "image/png", total_bytes: 1, unknown: 1 } as never),
        "unknown",
        "is unexpected"
      )
    })
    return Effect.gen(function*() {
      yield* cases
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.provide(fake.layer))
  })
})
