import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as crypto from "node:crypto"
import { Emulator } from "../src/index.js"
import { at, call, DEV_USER, fixture, initialize, uploadChunked } from "./helpers.js"

const TestLayer = Layer.mergeAll(Emulator.layer({ processing: Emulator.afterPolls(2), strict: true }), NodeHttpClient.layer)

const sha = (b: Uint8Array) => crypto.createHash("sha256").update(b).digest("hex")

layer(TestLayer)("v2 chunked upload", (it) => {
  it.effect("initialize returns a 19-digit id and a category-prefixed media key", () =>
    Effect.gen(function*() {
      const res = yield* call("POST", "/2/media/upload/initialize", {
        json: { media_type: "video/mp4", total_bytes: 1000, media_category: "amplify_video" }
      })
      assert.strictEqual(res.status, 200)
      const id = String(at(res.json, "data", "id"))
      assert.match(id, /^[0-9]{19}$/)
      assert.strictEqual(at(res.json, "data", "media_key"), `13_${id}`)
      assert.strictEqual(at(res.json, "data", "expires_after_secs"), 86400)
      assert.strictEqual(res.headers["x-emulator"], "xmedia/0.1.0")
    }))

  it.effect("video: append in chunks, finalize pending, STATUS polls to succeeded, sha256 matches", () =>
    Effect.gen(function*() {
      const video = fixture("sample.mp4")
      const { finalize, id } = yield* uploadChunked(video, "video/mp4", "tweet_video", 16 * 1024)
      assert.strictEqual(finalize.status, 200)
      assert.deepStrictEqual(at(finalize.json, "data", "processing_info"), { state: "pending", check_after_secs: 1 })
      assert.strictEqual(at(finalize.json, "data", "size"), video.length)
      assert.strictEqual(at(finalize.json, "data", "media_key"), `7_${id}`)
      const s1 = yield* call("GET", `/2/media/upload?command=STATUS&media_id=${id}`)
      assert.strictEqual(at(s1.json, "data", "processing_info", "state"), "in_progress")
      assert.strictEqual(at(s1.json, "data", "processing_info", "progress_percent"), 50)
      assert.strictEqual(at(s1.json, "data", "processing_info", "check_after_secs"), 1)
      const s2 = yield* call("GET", `/2/media/upload?media_id=${id}`)
      assert.deepStrictEqual(at(s2.json, "data", "processing_info"), { state: "succeeded", progress_percent: 100 })
      assert.deepStrictEqual(at(s2.json, "data", "video"), { video_type: "video/mp4" })
      const emulator = yield* Emulator.Emulator
      const record = yield* emulator.media(id)
      assert.strictEqual(record?.sha256, sha(video))
      assert.strictEqual(record?.ownerId, DEV_USER)
      assert.strictEqual(record?.probe?.width, 320)
      assert.strictEqual(record?.probe?.height, 180)
      assert.deepStrictEqual(record?.processing?.history.map((h) => h.state), ["pending", "in_progress", "succeeded"])
    }))

  it.effect("image: finalize is synchronous with image{w,h}", () =>
    Effect.gen(function*() {
      const { finalize } = yield* uploadChunked(fixture("sample.png"), "image/png", "tweet_image")
      assert.strictEqual(finalize.status, 200)
      assert.strictEqual(at(finalize.json, "data", "processing_info"), undefined)
      assert.deepStrictEqual(at(finalize.json, "data", "image"), { image_type: "image/png", w: 64, h: 48 })
    }))

  it.effect("JSON base64 append, re-sent index overwrites, finalize with {} body (an empty JSON body is refused)", () =>
    Effect.gen(function*() {
      const png = fixture("sample.png")
      const id = yield* initialize(png, "image/png")
      const junk = yield* call("POST", `/2/media/upload/${id}/append`, {
        json: { media: Buffer.from(new Uint8Array(10)).toString("base64"), segment_index: 0 }
      })
      assert.strictEqual(junk.status, 200)
      assert.isNumber(at(junk.json, "data", "expires_at"))
      const real = yield* call("POST", `/2/media/upload/${id}/append`, {
        json: { media: Buffer.from(png).toString("base64"), segment_index: 0 }
      })
      assert.strictEqual(real.status, 200)
      const empty = yield* call("POST", `/2/media/upload/${id}/finalize`, { rawBody: { body: "", contentType: "application/json" } })
      assert.strictEqual(empty.status, 400)
      assert.strictEqual(at(empty.json, "errors", 0, "message"), "Request body must be a JSON object.")
      const fin = yield* call("POST", `/2/media/upload/${id}/finalize`, { json: {} })
      assert.strictEqual(fin.status, 200)
      assert.strictEqual(at(fin.json, "data", "size"), png.length)
    }))

  it.effect("multipart with fields in either order and no filename", () =>
    Effect.gen(function*() {
      const png = fixture("sample.png")
      const id = yield* initialize(png, "image/png", "tweet_image")
      const half = Math.floor(png.length / 2)
      const a = yield* call("POST", `/2/media/upload/${id}/append`, {
        form: [["media", { bytes: png.subarray(0, half), type: "application/octet-stream" }], ["segment_index", "0"]]
      })
      assert.strictEqual(a.status, 200)
      const b = yield* call("POST", `/2/media/upload/${id}/append`, {
        form: [["segment_index", "1"], ["media", { bytes: png.subarray(half), filename: "blob.png" }]]
      })
      assert.strictEqual(b.status, 200)
      const fin = yield* call("POST", `/2/media/upload/${id}/finalize`)
      assert.strictEqual(fin.status, 200)
      const emulator = yield* Emulator.Emulator
      assert.strictEqual((yield* emulator.media(id))?.sha256, sha(png))
    }))

  it.effect("finalize with a byte mismatch is a 400 invalid-request", () =>
    Effect.gen(function*() {
      const init = yield* call("POST", "/2/media/upload/initialize", {
        json: { media_type: "image/png", total_bytes: 500 }
      })
      const id = String(at(init.json, "data", "id"))
      yield* call("POST", `/2/media/upload/${id}/append`, { form: [["segment_index", "0"], ["media", { bytes: new Uint8Array(10), filename: "x" }]] })
      const fin = yield* call("POST", `/2/media/upload/${id}/finalize`)
      assert.strictEqual(fin.status, 400)
      assert.strictEqual(fin.headers["content-type"], "application/problem+json")
      assert.strictEqual(at(fin.json, "type"), "https://api.twitter.com/2/problems/invalid-request")
      assert.match(String(at(fin.json, "errors", 0, "message")), /File size mismatch/)
    }))

  it.effect("a video that is not a video fails processing with InvalidMedia", () =>
    Effect.gen(function*() {
      const fake = fixture("image-named-as.mp4")
      const { finalize, id } = yield* uploadChunked(fake, "video/mp4", "tweet_video")
      assert.strictEqual(at(finalize.json, "data", "processing_info", "state"), "pending")
      yield* call("GET", `/2/media/upload?media_id=${id}`)
      const s = yield* call("GET", `/2/media/upload?media_id=${id}`)
      assert.strictEqual(at(s.json, "data", "processing_info", "state"), "failed")
      assert.deepStrictEqual(at(s.json, "data", "processing_info", "error"), {
        code: 1,
        name: "InvalidMedia",
        message: "Unsupported video format"
      })
    }))

  it.effect("an image whose bytes are not an image is refused at finalize", () =>
    Effect.gen(function*() {
      const { finalize } = yield* uploadChunked(fixture("video-named-as.png"), "image/png", "tweet_image")
      assert.strictEqual(finalize.status, 400)
      assert.match(String(at(finalize.json, "errors", 0, "message")), /media type unrecognized/)
    }))
})

describe("v2 chunked upload: auth", () => {
  it.effect("no token: 401 as X sends it", () =>
    Effect.gen(function*() {
      const res = yield* call("POST", "/2/media/upload/initialize", { token: null, json: {} })
      assert.strictEqual(res.status, 401)
      assert.deepStrictEqual(res.json, { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" })
    }).pipe(Effect.provide(TestLayer)))
})
