import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Emulator } from "../src/index.js"
import { at, call, fixture, oauth1Header } from "./helpers.js"

const TestLayer = Layer.mergeAll(Emulator.layer({ processing: Emulator.afterPolls(1) }), NodeHttpClient.layer)

// The emulator runs on a TestClock at epoch 0 here: sign with timestamps near 0.
let nonce = 0
const sign = (method: string, path: string, form: Record<string, string> = {}) =>
  oauth1Header(method, `https://upload.twitter.com${path}`, form, undefined, { timestamp: 1, nonce: `v1-${++nonce}` })

const v1 = (method: "GET" | "POST", path: string, options: Parameters<typeof call>[2] & { signForm?: Record<string, string> } = {}) =>
  call(method, path, { ...options, token: null, headers: { authorization: sign(method, path.split("?")[0]!, { ...Object.fromEntries(new URL(`http://x${path}`).searchParams), ...(options.signForm ?? {}) }) } })

const upload = (bytes: Uint8Array, mediaType: string, category: string) =>
  Effect.gen(function*() {
    const initForm = { command: "INIT", media_type: mediaType, total_bytes: String(bytes.length), media_category: category }
    const init = yield* v1("POST", "/1.1/media/upload.json", { urlEncoded: initForm, signForm: initForm })
    assert.strictEqual(init.status, 202, init.text)
    const id = String(at(init.json, "media_id_string"))
    assert.match(init.text, new RegExp(`"media_id":${id},`))
    const append = yield* v1("POST", "/1.1/media/upload.json", {
      form: [["command", "APPEND"], ["media_id", id], ["segment_index", "0"], ["media", { bytes, filename: "blob" }]]
    })
    assert.strictEqual(append.status, 204, append.text)
    const finForm = { command: "FINALIZE", media_id: id }
    const fin = yield* v1("POST", "/1.1/media/upload.json", { urlEncoded: finForm, signForm: finForm })
    return { id, fin }
  })

layer(TestLayer)("v1.1 upload host", (it) => {
  it.effect("chunked video: INIT 202 (numeric media_id), APPEND 204, FINALIZE pending, STATUS succeeded", () =>
    Effect.gen(function*() {
      const { fin, id } = yield* upload(fixture("sample.mp4"), "video/mp4", "tweet_video")
      assert.strictEqual(fin.status, 200, fin.text)
      assert.strictEqual(at(fin.json, "media_id_string"), id)
      assert.deepStrictEqual(at(fin.json, "processing_info"), { state: "pending", check_after_secs: 1 })
      assert.strictEqual(at(fin.json, "data"), undefined)
      const st = yield* v1("GET", `/1.1/media/upload.json?command=STATUS&media_id=${id}`)
      assert.deepStrictEqual(at(st.json, "processing_info"), { state: "succeeded", progress_percent: 100 })
    }))

  it.effect("simple upload with media_data (base64), alt text, post with media_ids", () =>
    Effect.gen(function*() {
      const png = fixture("sample.png")
      const up = yield* v1("POST", "/1.1/media/upload.json", { form: [["media_data", Buffer.from(png).toString("base64")]] })
      assert.strictEqual(up.status, 200, up.text)
      const id = String(at(up.json, "media_id_string"))
      assert.deepStrictEqual(at(up.json, "image"), { image_type: "image/png", w: 64, h: 48 })
      const meta = yield* v1("POST", "/1.1/media/metadata/create.json", { json: { media_id: id, alt_text: { text: "a cat" } } })
      assert.strictEqual(meta.status, 200, meta.text)
      const form = { status: "hello", media_ids: id }
      const post = yield* v1("POST", "/1.1/statuses/update.json", { urlEncoded: form, signForm: form })
      assert.strictEqual(post.status, 200, post.text)
      assert.strictEqual(at(post.json, "entities", "media", 0, "id_str"), id)
      const bad = { status: "x", media_ids: "123" }
      const invalid = yield* v1("POST", "/1.1/statuses/update.json", { urlEncoded: bad, signForm: bad })
      assert.deepStrictEqual(invalid.json, { errors: [{ code: 324, message: "The validation of media ids failed." }] })
    }))

  it.effect("subtitles create and delete with the real (array) shape", () =>
    Effect.gen(function*() {
      const { id: video } = yield* upload(fixture("sample.mp4"), "video/mp4", "TweetVideo")
      yield* v1("GET", `/1.1/media/upload.json?command=STATUS&media_id=${video}`)
      const { id: srt } = yield* upload(fixture("sample.en.srt"), "text/plain", "Subtitles")
      const create = yield* v1("POST", "/1.1/media/subtitles/create.json", {
        json: { media_id: video, media_category: "TweetVideo", subtitle_info: { subtitles: [{ media_id: srt, language_code: "EN", display_name: "English" }] } }
      })
      assert.strictEqual(create.status, 200, create.text)
      const emulator = yield* Emulator.Emulator
      assert.deepStrictEqual((yield* emulator.media(video))?.subtitles, [{ id: srt, language_code: "EN", display_name: "English" }])
      const del = yield* v1("POST", "/1.1/media/subtitles/delete.json", {
        json: { media_id: video, media_category: "TweetVideo", subtitle_info: { subtitles: [{ language_code: "EN" }] } }
      })
      assert.strictEqual(del.status, 200, del.text)
      assert.deepStrictEqual((yield* emulator.media(video))?.subtitles, [])
    }))

  it.effect("bearer tokens are refused on v1.1; a bad signature gets code 32", () =>
    Effect.gen(function*() {
      const bearer = yield* call("POST", "/1.1/media/upload.json", { urlEncoded: { command: "INIT" } })
      assert.strictEqual(bearer.status, 403)
      assert.strictEqual(at(bearer.json, "errors", 0, "code"), 220)
      const form = { command: "INIT", media_type: "image/png", total_bytes: "10" }
      const tampered = yield* call("POST", "/1.1/media/upload.json", {
        token: null,
        urlEncoded: { ...form, total_bytes: "11" },
        headers: { authorization: sign("POST", "/1.1/media/upload.json", form) }
      })
      assert.strictEqual(tampered.status, 401)
      assert.deepStrictEqual(tampered.json, { errors: [{ code: 32, message: "Could not authenticate you." }] })
    }))

  it.effect("missing parameters get code 38; a non-image simple upload is 'media type unrecognized.'", () =>
    Effect.gen(function*() {
      const form = { command: "INIT", total_bytes: "10" }
      const res = yield* v1("POST", "/1.1/media/upload.json", { urlEncoded: form, signForm: form })
      assert.deepStrictEqual(res.json, { errors: [{ code: 38, message: "media_type parameter is missing." }] })
      const junk = yield* v1("POST", "/1.1/media/upload.json", { form: [["media", { bytes: new Uint8Array(100), filename: "x" }], ["media_category", "tweet_image"]] })
      assert.strictEqual(junk.status, 400)
      assert.deepStrictEqual(junk.json, { request: "/1.1/media/upload.json", error: "media type unrecognized." })
    }))
})
