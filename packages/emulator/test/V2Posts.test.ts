import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Emulator, Identities } from "../src/index.js"
import { at, call, DEV_USER, fixture, uploadChunked } from "./helpers.js"

const OTHER = "2000000000000000002"
const identities = Identities.fromFile({
  users: [{ id: OTHER, username: "other" }],
  oauth2Tokens: [
    { token: "other-token", userId: OTHER, scopes: ["media.write", "tweet.read", "tweet.write", "users.read"] },
    { token: "read-only", userId: OTHER, scopes: ["tweet.read", "users.read"] }
  ]
})
const TestLayer = Layer.mergeAll(Emulator.layer({ processing: Emulator.immediate, identities, strict: true }), NodeHttpClient.layer)

const uploadPng = (token?: string) =>
  Effect.map(uploadChunked(fixture("sample.png"), "image/png", "tweet_image", 1 << 20, token), (r) => r.id)

layer(TestLayer)("v2 posts, users, lookup, metadata, subtitles", (it) => {
  it.effect("post with owned media; get with expansions; by user; delete", () =>
    Effect.gen(function*() {
      const id = yield* uploadPng()
      const created = yield* call("POST", "/2/tweets", { json: { text: "hello", media: { media_ids: [id] } } })
      assert.strictEqual(created.status, 201)
      const postId = String(at(created.json, "data", "id"))
      assert.match(postId, /^[0-9]{19}$/)
      assert.match(String(at(created.json, "data", "text")), /^hello https:\/\/t\.co\//)
      assert.deepStrictEqual(at(created.json, "data", "edit_history_tweet_ids"), [postId])
      const got = yield* call("GET", `/2/tweets/${postId}?expansions=attachments.media_keys`)
      assert.deepStrictEqual(at(got.json, "data", "attachments"), { media_keys: [`3_${id}`] })
      assert.deepStrictEqual(at(got.json, "includes", "media"), [{ media_key: `3_${id}`, type: "photo" }])
      const mine = yield* call("GET", `/2/users/${DEV_USER}/tweets?max_results=5&tweet.fields=attachments`)
      assert.strictEqual(at(mine.json, "data", 0, "id"), postId)
      assert.deepStrictEqual(at(mine.json, "data", 0, "attachments", "media_keys"), [`3_${id}`])
      const foreign = yield* call("DELETE", `/2/tweets/${postId}`, { token: "other-token" })
      assert.strictEqual(foreign.status, 403, foreign.text)
      assert.strictEqual(at(foreign.json, "type"), "https://api.twitter.com/2/problems/not-authorized-for-resource")
      const del = yield* call("DELETE", `/2/tweets/${postId}`)
      assert.deepStrictEqual(del.json, { data: { deleted: true } })
      const gone = yield* call("GET", `/2/tweets/${postId}`)
      assert.strictEqual(gone.status, 200)
      assert.strictEqual(at(gone.json, "errors", 0, "title"), "Not Found Error")
    }))

  it.effect("another user's media, unknown ids and unfinalized ids are 'Your media IDs are invalid.'", () =>
    Effect.gen(function*() {
      const theirs = yield* uploadPng("other-token")
      const init = yield* call("POST", "/2/media/upload/initialize", { json: { media_type: "image/png", total_bytes: 5 } })
      const pending = String(at(init.json, "data", "id"))
      const res = yield* call("POST", "/2/tweets", { json: { text: "x", media: { media_ids: [theirs, pending, "123"] } } })
      assert.strictEqual(res.status, 400)
      assert.deepStrictEqual(res.json, {
        errors: [{ parameters: { "media.media_ids": [theirs, pending, "123"] }, message: "Your media IDs are invalid." }],
        title: "Invalid Request",
        detail: "One or more parameters to your request was invalid.",
        type: "https://api.twitter.com/2/problems/invalid-request"
      })
    }))

  it.effect("4 photos allowed, 5 refused, video + photo refused", () =>
    Effect.gen(function*() {
      const ids = [yield* uploadPng(), yield* uploadPng(), yield* uploadPng(), yield* uploadPng(), yield* uploadPng()]
      const four = yield* call("POST", "/2/tweets", { json: { media: { media_ids: ids.slice(0, 4) } } })
      assert.strictEqual(four.status, 201)
      const five = yield* call("POST", "/2/tweets", { json: { media: { media_ids: ids } } })
      assert.strictEqual(five.status, 400)
      const { id: video } = yield* uploadChunked(fixture("sample.mp4"), "video/mp4", "tweet_video")
      const mixed = yield* call("POST", "/2/tweets", { json: { media: { media_ids: [video, ids[0]] } } })
      assert.strictEqual(mixed.status, 400)
      const alone = yield* call("POST", "/2/tweets", { json: { text: "clip", media: { media_ids: [video] } } })
      assert.strictEqual(alone.status, 201)
    }))

  it.effect("additional_owners lets another user post the media", () =>
    Effect.gen(function*() {
      const png = fixture("sample.png")
      const init = yield* call("POST", "/2/media/upload/initialize", {
        json: { media_type: "image/png", total_bytes: png.length, additional_owners: [OTHER] }
      })
      const id = String(at(init.json, "data", "id"))
      yield* call("POST", `/2/media/upload/${id}/append`, { form: [["segment_index", "0"], ["media", { bytes: png, filename: "a.png" }]] })
      yield* call("POST", `/2/media/upload/${id}/finalize`)
      const res = yield* call("POST", "/2/tweets", { token: "other-token", json: { media: { media_ids: [id] } } })
      assert.strictEqual(res.status, 201)
    }))

  it.effect("missing tweet.write scope is X's 403; users/me", () =>
    Effect.gen(function*() {
      const res = yield* call("POST", "/2/tweets", { token: "read-only", json: { text: "x" } })
      assert.strictEqual(res.status, 403)
      assert.deepStrictEqual(res.json, { title: "Forbidden", type: "about:blank", status: 403, detail: "Forbidden" })
      const me = yield* call("GET", "/2/users/me")
      assert.deepStrictEqual(me.json, { data: { id: DEV_USER, name: "xmedia dev", username: "xmedia_dev" } })
      const app = yield* call("POST", "/2/tweets", { token: Identities.DEV_APP_BEARER_TOKEN, json: { text: "x" } })
      assert.strictEqual(app.status, 403)
      assert.strictEqual(at(app.json, "type"), "https://api.twitter.com/2/problems/unsupported-authentication")
    }))

  it.effect("metadata echoes associated_metadata; lookup shows alt_text, width, height", () =>
    Effect.gen(function*() {
      const id = yield* uploadPng()
      const meta = { alt_text: { text: "a cat" }, sensitive_media_warning: { other: true } }
      const res = yield* call("POST", "/2/media/metadata", { json: { id, metadata: meta } })
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(res.json, { data: { id, associated_metadata: meta } })
      const long = yield* call("POST", "/2/media/metadata", { json: { id, metadata: { alt_text: { text: "x".repeat(1001) } } } })
      assert.strictEqual(long.status, 400)
      const one = yield* call("GET", `/2/media/3_${id}?media.fields=alt_text,width,height`)
      assert.deepStrictEqual(one.json, { data: { media_key: `3_${id}`, type: "photo", width: 64, height: 48, alt_text: "a cat" } })
      const many = yield* call("GET", `/2/media?media_keys=3_${id},3_1`, { token: Identities.DEV_APP_BEARER_TOKEN })
      assert.strictEqual(at(many.json, "data", 0, "media_key"), `3_${id}`)
      assert.strictEqual(at(many.json, "errors", 0, "resource_id"), "3_1")
    }))

  it.effect("subtitles: create returns all tracks, delete removes one; needs a subtitles file and a video", () =>
    Effect.gen(function*() {
      const { id: video } = yield* uploadChunked(fixture("sample.mp4"), "video/mp4", "tweet_video")
      const { id: en } = yield* uploadChunked(fixture("sample.en.srt"), "text/srt", "subtitles")
      const { id: fr } = yield* uploadChunked(fixture("sample.fr.vtt"), "text/vtt", "subtitles")
      const a = yield* call("POST", "/2/media/subtitles", {
        json: { id: video, media_category: "TweetVideo", subtitles: { id: en, language_code: "EN", display_name: "English" } }
      })
      assert.strictEqual(a.status, 200)
      const b = yield* call("POST", "/2/media/subtitles", {
        json: { id: video, media_category: "TweetVideo", subtitles: { id: fr, language_code: "fr", display_name: "Français" } }
      })
      assert.deepStrictEqual(b.json, {
        data: {
          id: video,
          media_category: "TweetVideo",
          associated_subtitles: [
            { id: en, language_code: "EN", display_name: "English" },
            { id: fr, language_code: "FR", display_name: "Français" }
          ]
        }
      })
      const wrongCat = yield* call("POST", "/2/media/subtitles", {
        json: { id: video, media_category: "AmplifyVideo", subtitles: { id: en, language_code: "EN", display_name: "English" } }
      })
      assert.strictEqual(wrongCat.status, 400)
      const notSubs = yield* call("POST", "/2/media/subtitles", {
        json: { id: video, media_category: "TweetVideo", subtitles: { id: video, language_code: "DE", display_name: "x" } }
      })
      assert.strictEqual(notSubs.status, 400)
      const del = yield* call("DELETE", "/2/media/subtitles", { json: { id: video, media_category: "TweetVideo", language_code: "EN" } })
      assert.deepStrictEqual(del.json, { data: { deleted: true } })
      const emulator = yield* Emulator.Emulator
      assert.deepStrictEqual((yield* emulator.media(video))?.subtitles.map((t) => t.language_code), ["FR"])
    }))

  it.effect("a broken SRT is refused at finalize", () =>
    Effect.gen(function*() {
      const { finalize } = yield* uploadChunked(fixture("broken.srt"), "text/srt", "subtitles")
      assert.strictEqual(finalize.status, 400)
      assert.match(String(at(finalize.json, "errors", 0, "message")), /line \d+/)
    }))
})

// Strict: the response is checked against 2.167's analytics schema (its `oneOf` + `nullable` counters included).
layer(Layer.mergeAll(Emulator.layer({ processing: Emulator.immediate, strict: true }), NodeHttpClient.layer))("v2 analytics", (it) => {
  it.effect("analytics returns one zeroed bucket per day", () =>
    Effect.gen(function*() {
      const { id } = yield* uploadChunked(fixture("sample.mp4"), "video/mp4", "tweet_video")
      const res = yield* call("GET", `/2/media/analytics?media_keys=7_${id}&start_time=2026-01-01T00:00:00Z&end_time=2026-01-03T00:00:00Z&granularity=daily`)
      assert.strictEqual(res.status, 200, res.text)
      const metrics = at(res.json, "data", 0, "timestamped_metrics") as ReadonlyArray<unknown>
      assert.strictEqual(metrics.length, 2)
      assert.strictEqual(at(metrics, 0, "timestamp"), "2026-01-01T00:00:00Z")
      assert.strictEqual(at(metrics, 0, "metrics", "video_views"), 0)
    }))
})
