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
import { at, call, type CallOptions, DEV_USER, fixture, initialize, oauth1Header, type Res, uploadChunked } from "./helpers.js"

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

/** A v1.1 request signed with the dev OAuth 1.0a credentials: url-encoded fields are signed, multipart ones not. */
const v1 = (options: Pick<CallOptions, "urlEncoded" | "form">) =>
  call("POST", "/1.1/media/upload.json", {
    token: null,
    ...options,
    headers: {
      authorization: oauth1Header("POST", "https://upload.twitter.com/1.1/media/upload.json", options.urlEncoded ?? {}, undefined, {
        timestamp: 1,
        nonce: `rs-${++nonce}`
      })
    }
  })

/** Asserts a v1.1 error body with `code` whose message starts with `<param> parameter is ...`. */
const assertV1 = (res: Res, code: 38 | 44, param: string) => {
  assert.strictEqual(res.status, 400, res.text)
  assert.strictEqual(at(res.json, "errors", 0, "code"), code, res.text)
  const message = String(at(res.json, "errors", 0, "message"))
  assert.isTrue(message.startsWith(`${param} parameter is ${code === 38 ? "missing." : "invalid"}`), message)
  return message
}

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
      const id = yield* initialize(png, "image/png", "tweet_image")
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

  it.effect("v2 command-form INIT (form fields and query): core's MediaUpload.InitializeRequest read from text", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const form = (fields: Record<string, string>) =>
        call("POST", "/2/media/upload", { form: Object.entries({ command: "INIT", ...fields }) })
      const png = { media_type: "image/png", total_bytes: "10" }
      assertInvalid(yield* form({ media_type: "image/png" }), "total_bytes")
      assertInvalid(yield* form({ ...png, total_bytes: "ten" }), "total_bytes")
      assertInvalid(yield* form({ ...png, total_bytes: "1.5" }), "total_bytes")
      assertInvalid(yield* form({ ...png, total_bytes: "17179869185" }), "total_bytes")
      assert.match(assertInvalid(yield* form({ total_bytes: "10" }), "media_type"), /is missing but it is required$/)
      assertInvalid(yield* form({ ...png, media_type: "image/x-unknown" }), "media_type")
      assertInvalid(yield* form({ ...png, media_category: "TweetImage" }), "media_category")
      assertInvalid(yield* form({ ...png, additional_owners: "12,abc" }), "additional_owners")
      assertInvalid(yield* form({ ...png, additional_owners: Array(101).fill(OTHER_USER).join(",") }), "additional_owners")
      // The same rules when the fields are url-encoded, or in the query (X's Python sample).
      const encoded = yield* call("POST", "/2/media/upload", { urlEncoded: { command: "INIT", ...png, total_bytes: "-1" } })
      assertInvalid(encoded, "total_bytes")
      assert.deepStrictEqual(at(encoded.json, "errors", 0, "parameters"), { total_bytes: ["-1"] })
      assertInvalid(yield* call("POST", "/2/media/upload?command=INIT&media_type=image/png&total_bytes=10&additional_owners=x"), "additional_owners")

      // What X accepts passes: 0 bytes (X's spec: 0..16 GiB), owners with blanks after commas, `shared`.
      const ok = yield* form({ ...png, media_category: "dm_image", additional_owners: `${OTHER_USER}, ${DEV_USER}`, shared: "true" })
      assert.strictEqual(ok.status, 202, ok.text)
      const record = yield* emulator.media(String(at(ok.json, "data", "id")))
      assert.deepStrictEqual(
        [record?.category, record?.totalBytes, record?.additionalOwners, record?.shared],
        ["dm_image", 10, [OTHER_USER, DEV_USER], true]
      )
      const zero = yield* call("POST", "/2/media/upload?command=INIT&media_type=image/png&total_bytes=0")
      assert.strictEqual(zero.status, 202, zero.text)
      assert.strictEqual((yield* emulator.media(String(at(zero.json, "data", "id"))))?.shared, false)
    }))

  it.effect("multipart APPEND segment_index: core's rule (integer 0-999) on the v2 route, the command form and v1.1", () =>
    Effect.gen(function*() {
      const png = fixture("sample.png")
      const chunk = { bytes: png, filename: "a.png" }
      const bad = ["1000", "-1", "1.5", "abc", "1e2"]

      // v2 dedicated route.
      const v2Id = yield* initialize(png, "image/png")
      const append = (index: string | undefined) =>
        call("POST", `/2/media/upload/${v2Id}/append`, {
          form: [...(index === undefined ? [] : [["segment_index", index] as const]), ["media", chunk]]
        })
      for (const index of bad) {
        const res = yield* append(index)
        assertInvalid(res, "segment_index")
        assert.deepStrictEqual(at(res.json, "errors", 0, "parameters"), { segment_index: [index] })
      }
      assert.match(assertInvalid(yield* append(undefined), "segment_index"), /is missing but it is required$/)
      assert.strictEqual((yield* append("999")).status, 200)
      assert.strictEqual((yield* append("0")).status, 200)

      // v2 command form: fields in the multipart body, or in the query.
      const init = yield* call("POST", `/2/media/upload?command=INIT&media_type=image/png&total_bytes=${png.length}`)
      const cmdId = String(at(init.json, "data", "id"))
      const command = (index: string) =>
        call("POST", "/2/media/upload", { form: [["command", "APPEND"], ["media_id", cmdId], ["segment_index", index], ["media", chunk]] })
      for (const index of bad) assertInvalid(yield* command(index), "segment_index")
      assertInvalid(yield* call("POST", `/2/media/upload?command=APPEND&media_id=${cmdId}&segment_index=x`, { form: [["media", chunk]] }), "segment_index")
      assert.strictEqual((yield* command("0")).status, 204)
      assert.strictEqual((yield* call("POST", `/2/media/upload?command=APPEND&media_id=${cmdId}&segment_index=1`, { form: [["media", chunk]] })).status, 204)

      // v1.1: code 44 for a bad index, 38 for none.
      const v1Init = yield* v1({ urlEncoded: { command: "INIT", media_type: "image/png", total_bytes: String(png.length) } })
      const v1Id = String(at(v1Init.json, "media_id_string"))
      const v1Append = (index: string | undefined) =>
        v1({ form: [["command", "APPEND"], ["media_id", v1Id], ...(index === undefined ? [] : [["segment_index", index] as const]), ["media", chunk]] })
      for (const index of bad) assertV1(yield* v1Append(index), 44, "segment_index")
      assert.deepStrictEqual((yield* v1Append(undefined)).json, { errors: [{ code: 38, message: "segment_index parameter is missing." }] })
      assert.strictEqual((yield* v1Append("0")).status, 204)
      const fin = yield* v1({ urlEncoded: { command: "FINALIZE", media_id: v1Id } })
      assert.strictEqual(fin.status, 200, fin.text)
    }))

  it.effect("v1.1 INIT and simple upload: core's MediaV1 request rules read from form fields, X's codes 38 and 44", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const init = (fields: Record<string, string>) => v1({ urlEncoded: { command: "INIT", ...fields } })
      const png = { media_type: "image/png", total_bytes: "10" }
      assert.deepStrictEqual((yield* init({ media_type: "image/png" })).json, { errors: [{ code: 38, message: "total_bytes parameter is missing." }] })
      assert.deepStrictEqual((yield* init({ ...png, media_type: "" })).json, { errors: [{ code: 38, message: "media_type parameter is missing." }] })
      assertV1(yield* init({ ...png, total_bytes: "ten" }), 44, "total_bytes")
      assertV1(yield* init({ ...png, total_bytes: "17179869185" }), 44, "total_bytes")
      assertV1(yield* init({ ...png, additional_owners: "abc" }), 44, "additional_owners")
      assertV1(yield* init({ ...png, additional_owners: Array(101).fill(OTHER_USER).join(",") }), 44, "additional_owners")
      assertV1(yield* init({ ...png, media_category: "poster" }), 44, "media_category")

      // Where X's v1.1 is looser than core's client: any MIME type, PascalCase categories, 0 bytes.
      const ok = yield* init({
        media_type: "image/x-portable-anymap",
        total_bytes: "0",
        media_category: "TweetImage",
        additional_owners: `${OTHER_USER},${DEV_USER}`,
        shared: "true"
      })
      assert.strictEqual(ok.status, 202, ok.text)
      const record = yield* emulator.media(String(at(ok.json, "media_id_string")))
      assert.deepStrictEqual(
        [record?.mediaType, record?.category, record?.totalBytes, record?.additionalOwners, record?.shared],
        ["image/x-portable-anymap", "tweet_image", 0, [OTHER_USER, DEV_USER], true]
      )

      // The simple upload's owners follow core's MediaV1.UploadRequest rule.
      const bytes = fixture("sample.png")
      const simple = (owners: string) => v1({ form: [["media_category", "tweet_image"], ["additional_owners", owners], ["media", { bytes, filename: "a.png" }]] })
      assertV1(yield* simple("12,abc"), 44, "additional_owners")
      const uploaded = yield* simple(OTHER_USER)
      assert.strictEqual(uploaded.status, 200, uploaded.text)
      assert.deepStrictEqual((yield* emulator.media(String(at(uploaded.json, "media_id_string"))))?.additionalOwners, [OTHER_USER])
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
