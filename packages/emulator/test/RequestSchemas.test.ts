/**
 * Request bodies decoded with core's request Schemas (MediaMetadata, MediaSubtitles, Posts, MediaUpload, MediaV1),
 * over real HTTP: a bad body gets X's error (v2 `invalid-request` problem, v1.1 `{errors:[{code,message}]}`), a good
 * one passes, and where X is looser than core's client-side schema (language codes in either case, numeric v1.1 ids,
 * comma-separated owners) the emulator still accepts what X accepts.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Emulator } from "../src/index.js"
import { at, call, DEV_USER, fixture, oauth1Header, type Res, uploadChunked } from "./helpers.js"

const TestLayer = Layer.mergeAll(Emulator.layer({ processing: Emulator.immediate }), NodeHttpClient.layer)

const OTHER_USER = "1000000000000000002"

/** Asserts X's v2 invalid-request problem naming `param`; returns its message. */
const assertInvalid = (res: Res, param: string): string => {
  assert.strictEqual(res.status, 400, res.text)
  assert.match(res.headers["content-type"] ?? "", /^application\/problem\+json/)
  assert.strictEqual(at(res.json, "title"), "Invalid Request")
  assert.strictEqual(at(res.json, "type"), "https://api.twitter.com/2/problems/invalid-request")
  assert.strictEqual(at(res.json, "detail"), "One or more parameters to your request was invalid.")
  const message = String(at(res.json, "errors", 0, "message"))
  assert.isTrue(message.startsWith(`$.${param}: `), message)
  assert.deepStrictEqual(Object.keys(at(res.json, "errors", 0, "parameters") as object), [param])
  return message
}

// The emulator runs on a TestClock at epoch 0 here: sign with timestamps near 0.
let nonce = 0
const v1Json = (path: string, json: unknown) =>
  call("POST", path, {
    token: null,
    json,
    headers: {
      authorization: oauth1Header("POST", `https://upload.twitter.com${path}`, {}, undefined, { timestamp: 1, nonce: `rs-${++nonce}` })
    }
  })

const image = Effect.map(uploadChunked(fixture("sample.png"), "image/png", "tweet_image"), (r) => r.id)
const video = Effect.map(uploadChunked(fixture("sample.mp4"), "video/mp4", "tweet_video"), (r) => r.id)
const srt = Effect.map(uploadChunked(fixture("sample.en.srt"), "text/srt", "subtitles"), (r) => r.id)

layer(TestLayer)("request bodies decoded with core's schemas", (it) => {
  it.effect("POST /2/media/metadata: core's MediaMetadata.CreateRequest", () =>
    Effect.gen(function*() {
      const id = yield* image
      const post = (json: unknown) => call("POST", "/2/media/metadata", { json })
      assertInvalid(yield* post({ id, metadata: { alt_text: { text: "x".repeat(1001) } } }), "metadata.alt_text.text")
      assertInvalid(
        yield* post({ id, metadata: { geo_restrictions: { whitelisted_country_codes: ["US"], blacklisted_country_codes: ["FR"] } } }),
        "metadata.geo_restrictions"
      )
      assertInvalid(yield* post({ id, metadata: { found_media_origin: { provider: "a-long-provider", id: "1" } } }), "metadata.found_media_origin.provider")
      assertInvalid(yield* post({ id, metadata: { sticker_info: { stickers: [] } } }), "metadata.sticker_info.stickers")
      assertInvalid(yield* post({ id, metadata: { colour: { x: 1 } } }), "metadata.colour")
      assertInvalid(yield* post({ id: "12ab" }), "id")
      assertInvalid(yield* post({ metadata: {} }), "id")

      const metadata = {
        alt_text: { text: "x".repeat(1000) },
        geo_restrictions: { whitelisted_country_codes: ["us"], blacklisted_country_codes: [] },
        found_media_origin: { provider: "giphy", id: "abc" },
        sensitive_media_warning: { other: true }
      }
      const ok = yield* post({ id, metadata })
      assert.strictEqual(ok.status, 200, ok.text)
      assert.deepStrictEqual(at(ok.json, "data"), { id, associated_metadata: metadata })
    }))

  it.effect("POST and DELETE /2/media/subtitles: core's MediaSubtitles schemas, language code in either case", () =>
    Effect.gen(function*() {
      const v = yield* video
      const s = yield* srt
      const create = (subtitles: unknown, category: unknown = "TweetVideo") =>
        call("POST", "/2/media/subtitles", { json: { id: v, media_category: category, subtitles } })
      assertInvalid(yield* create({ id: s, language_code: "EN", display_name: "" }), "subtitles.display_name")
      assertInvalid(yield* create({ id: s, language_code: "ENG", display_name: "English" }), "subtitles.language_code")
      assertInvalid(yield* create({ id: s, language_code: "EN", display_name: "English" }, "tweet_video"), "media_category")
      assertInvalid(yield* create({ language_code: "EN", display_name: "English" }), "subtitles.id")

      // X's spec does not close the object: an extra key is not refused. Lower case is accepted and stored upper case.
      const ok = yield* call("POST", "/2/media/subtitles", {
        json: { id: v, media_category: "TweetVideo", subtitles: { id: s, language_code: "en", display_name: "English" }, note: 1 }
      })
      assert.strictEqual(ok.status, 200, ok.text)
      assert.deepStrictEqual(at(ok.json, "data", "associated_subtitles"), [{ id: s, language_code: "EN", display_name: "English" }])

      const remove = (json: unknown) => call("DELETE", "/2/media/subtitles", { json })
      assertInvalid(yield* remove({ id: v, media_category: "TweetVideo" }), "language_code")
      assertInvalid(yield* remove({ id: v, media_category: "Video", language_code: "EN" }), "media_category")
      const gone = yield* remove({ id: v, media_category: "TweetVideo", language_code: "en" })
      assert.strictEqual(gone.status, 200, gone.text)
      assert.deepStrictEqual(gone.json, { data: { deleted: true } })
    }))

  it.effect("POST /2/tweets: core's Posts.CreateRequest (media ids, tagged users, text or media)", () =>
    Effect.gen(function*() {
      const id = yield* image
      const post = (json: unknown) => call("POST", "/2/tweets", { json })
      assertInvalid(yield* post({ text: "five", media: { media_ids: [id, id, id, id, id] } }), "media.media_ids")
      assertInvalid(yield* post({ text: "none", media: { media_ids: [] } }), "media.media_ids")
      assertInvalid(yield* post({ text: "bad id", media: { media_ids: ["abc"] } }), "media.media_ids.0")
      assertInvalid(yield* post({ text: "tags", media: { media_ids: [id], tagged_user_ids: ["x"] } }), "media.tagged_user_ids.0")
      assertInvalid(yield* post({ text: 5 }), "text")
      assertInvalid(yield* post({}), "text")
      assertInvalid(yield* post({ text: "x", colour: "red" }), "colour")

      // Fields X accepts that core's schema does not model are not refused.
      const ok = yield* post({ text: "hello", reply_settings: "following", media: { media_ids: [id], tagged_user_ids: [DEV_USER] } })
      assert.strictEqual(ok.status, 201, ok.text)
      assert.match(String(at(ok.json, "data", "text")), /^hello https:\/\/t\.co\//)
    }))

  it.effect("JSON APPEND: X's AppendMediaUploadRequest with core's segment_index rule", () =>
    Effect.gen(function*() {
      const png = fixture("sample.png")
      const init = yield* call("POST", "/2/media/upload/initialize", {
        json: { media_type: "image/png", total_bytes: png.length, media_category: "tweet_image" }
      })
      const id = String(at(init.json, "data", "id"))
      const media = Buffer.from(png).toString("base64")
      const append = (json: unknown) => call("POST", `/2/media/upload/${id}/append`, { json })
      assertInvalid(yield* append({ media, segment_index: 1000 }), "segment_index")
      assertInvalid(yield* append({ media, segment_index: 1.5 }), "segment_index")
      assertInvalid(yield* append({ media }), "segment_index")
      assertInvalid(yield* append({ media, segment_index: 0, extra: true }), "extra")
      const missing = yield* append({ segment_index: 0 })
      assert.strictEqual(missing.status, 400)
      assert.strictEqual(at(missing.json, "errors", 0, "message"), "media parameter is missing.")
      const ok = yield* append({ media, segment_index: 0 })
      assert.strictEqual(ok.status, 200, ok.text)
      const fin = yield* call("POST", `/2/media/upload/${id}/finalize`)
      assert.strictEqual(fin.status, 200, fin.text)
    }))

  it.effect("one-shot upload: X's MediaUploadRequest with core's owners rule (JSON and multipart)", () =>
    Effect.gen(function*() {
      const png = fixture("sample.png")
      const media = Buffer.from(png).toString("base64")
      const json = (body: unknown) => call("POST", "/2/media/upload", { json: body })
      assertInvalid(yield* json({ media }), "media_category")
      assertInvalid(yield* json({ media, media_category: "tweet_image", additional_owners: "12,abc" }), "additional_owners")
      assertInvalid(yield* json({ media, media_category: "tweet_image", additional_owners: Array(101).fill(OTHER_USER) }), "additional_owners")
      assertInvalid(yield* json({ media, media_category: "tweet_image", colour: "red" }), "colour")
      const multi = yield* call("POST", "/2/media/upload", {
        form: [["media_category", "tweet_image"], ["additional_owners", "abc"], ["media", { bytes: png, filename: "a.png" }]]
      })
      assertInvalid(multi, "additional_owners")

      // X's comma-separated string (2.167) and core's array both pass; the owner can then use the media.
      const ok = yield* json({ media, media_category: "tweet_image", additional_owners: `${OTHER_USER}, ${DEV_USER}` })
      assert.strictEqual(ok.status, 200, ok.text)
      const emulator = yield* Emulator.Emulator
      const record = yield* emulator.media(String(at(ok.json, "data", "id")))
      assert.deepStrictEqual(record?.additionalOwners, [OTHER_USER, DEV_USER])
      const arr = yield* json({ media, media_category: "tweet_image", additional_owners: [OTHER_USER] })
      assert.strictEqual(arr.status, 200, arr.text)
    }))

  it.effect("v1.1 metadata and subtitles: core's MediaV1 schemas, X's v1.1 error bodies", () =>
    Effect.gen(function*() {
      const id = yield* image
      const meta = (json: unknown) => v1Json("/1.1/media/metadata/create.json", json)
      const long = yield* meta({ media_id: id, alt_text: { text: "x".repeat(1001) } })
      assert.strictEqual(long.status, 400, long.text)
      assert.strictEqual(at(long.json, "errors", 0, "code"), 44)
      assert.match(String(at(long.json, "errors", 0, "message")), /^alt_text parameter is invalid/)
      assert.deepStrictEqual((yield* meta({ media_id: id })).json, { errors: [{ code: 38, message: "alt_text parameter is missing." }] })
      assert.deepStrictEqual((yield* meta({ alt_text: { text: "a" } })).json, { errors: [{ code: 38, message: "media_id parameter is missing." }] })
      // 1000 characters counted as X counts them (code points): 1000 emoji pass.
      const ok = yield* meta({ media_id: id, alt_text: { text: "\u{1F600}".repeat(1000) } })
      assert.strictEqual(ok.status, 200, ok.text)

      const v = yield* video
      const s = yield* srt
      const create = (subtitles: unknown) =>
        v1Json("/1.1/media/subtitles/create.json", { media_id: v, media_category: "TweetVideo", subtitle_info: { subtitles } })
      const empty = yield* create([])
      assert.strictEqual(empty.status, 400)
      assert.deepStrictEqual(empty.json, { errors: [{ code: 38, message: "subtitle_info parameter is missing." }] })
      const noName = yield* create([{ media_id: s, language_code: "EN", display_name: "" }])
      assert.strictEqual(at(noName.json, "errors", 0, "code"), 44, noName.text)
      const noInfo = yield* v1Json("/1.1/media/subtitles/create.json", { media_id: v, media_category: "TweetVideo" })
      assert.deepStrictEqual(noInfo.json, { errors: [{ code: 38, message: "subtitle_info parameter is missing." }] })
      // X's page writes "en"; lower case passes and is stored upper case.
      const created = yield* create([{ media_id: s, language_code: "en", display_name: "English" }])
      assert.strictEqual(created.status, 200, created.text)
      const emulator = yield* Emulator.Emulator
      assert.deepStrictEqual((yield* emulator.media(v))?.subtitles, [{ id: s, language_code: "EN", display_name: "English" }])

      const del = (subtitles: unknown) =>
        v1Json("/1.1/media/subtitles/delete.json", { media_id: v, media_category: "TweetVideo", subtitle_info: { subtitles } })
      const badCode = yield* del([{ language_code: "English" }])
      assert.strictEqual(at(badCode.json, "errors", 0, "code"), 44, badCode.text)
      assert.strictEqual((yield* del([{ language_code: "EN" }])).status, 200)
      assert.deepStrictEqual((yield* emulator.media(v))?.subtitles, [])
    }))
})
