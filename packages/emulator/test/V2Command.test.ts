import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Emulator } from "../src/index.js"
import { at, call, fixture } from "./helpers.js"

const TestLayer = Layer.mergeAll(Emulator.layer({ processing: Emulator.immediate }), NodeHttpClient.layer)

layer(TestLayer)("v2 deprecated command form and one-shot upload", (it) => {
  it.effect("command=INIT/APPEND/FINALIZE as multipart fields (X's quickstart): 202, 204, 201", () =>
    Effect.gen(function*() {
      const png = fixture("sample.png")
      const init = yield* call("POST", "/2/media/upload", {
        form: [["command", "INIT"], ["media_type", "image/png"], ["total_bytes", String(png.length)], ["media_category", "tweet_image"]]
      })
      assert.strictEqual(init.status, 202, init.text)
      const id = String(at(init.json, "data", "id"))
      const append = yield* call("POST", "/2/media/upload", {
        form: [["command", "APPEND"], ["media_id", id], ["segment_index", "0"], ["media", { bytes: png, filename: "a.png" }]]
      })
      assert.strictEqual(append.status, 204, append.text)
      assert.strictEqual(append.text, "")
      const fin = yield* call("POST", "/2/media/upload", { form: [["command", "FINALIZE"], ["media_id", id]] })
      assert.strictEqual(fin.status, 201, fin.text)
      assert.strictEqual(at(fin.json, "data", "media_key"), `3_${id}`)
    }))

  it.effect("command form with parameters in the query string (X's Python sample)", () =>
    Effect.gen(function*() {
      const png = fixture("sample.png")
      const init = yield* call("POST", `/2/media/upload?command=INIT&media_type=image/png&total_bytes=${png.length}`)
      assert.strictEqual(init.status, 202, init.text)
      const id = String(at(init.json, "data", "id"))
      const append = yield* call("POST", `/2/media/upload?command=APPEND&media_id=${id}&segment_index=0`, {
        form: [["media", { bytes: png, filename: "a.png" }]]
      })
      assert.strictEqual(append.status, 204, append.text)
      const fin = yield* call("POST", `/2/media/upload?command=FINALIZE&media_id=${id}`)
      assert.strictEqual(fin.status, 201, fin.text)
    }))

  it.effect("one-shot multipart and JSON base64 uploads", () =>
    Effect.gen(function*() {
      const png = fixture("sample.png")
      const multi = yield* call("POST", "/2/media/upload", {
        form: [["media_category", "tweet_image"], ["media", { bytes: png, filename: "a.png" }]]
      })
      assert.strictEqual(multi.status, 200, multi.text)
      assert.deepStrictEqual(at(multi.json, "data", "image"), { image_type: "image/png", w: 64, h: 48 })
      const json = yield* call("POST", "/2/media/upload", {
        json: { media: Buffer.from(fixture("sample.en.srt")).toString("base64"), media_category: "subtitles" }
      })
      assert.strictEqual(json.status, 200, json.text)
      assert.match(String(at(json.json, "data", "media_key")), /^23_/)
      const missingCategory = yield* call("POST", "/2/media/upload", { form: [["media", { bytes: png, filename: "a.png" }]] })
      assert.strictEqual(missingCategory.status, 400)
    }))
})
