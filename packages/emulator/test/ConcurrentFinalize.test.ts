import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Emulator } from "../src/index.js"
import { at, call, fixture } from "./helpers.js"

const sha = (b: Uint8Array) => crypto.createHash("sha256").update(b).digest("hex")

/** INITIALIZE + APPENDs of `bytes` in `chunkSize` segments (no FINALIZE); answers the media id. */
const uploadSegments = (bytes: Uint8Array, mediaType: string, category: string, chunkSize: number) =>
  Effect.gen(function*() {
    const init = yield* call("POST", "/2/media/upload/initialize", {
      json: { media_type: mediaType, total_bytes: bytes.length, media_category: category }
    })
    assert.strictEqual(init.status, 200, init.text)
    const id = String(at(init.json, "data", "id"))
    for (let i = 0, seg = 0; i < bytes.length; i += chunkSize, seg++) {
      const res = yield* call("POST", `/2/media/upload/${id}/append`, {
        form: [["segment_index", String(seg)], ["media", { bytes: bytes.subarray(i, i + chunkSize) }]]
      })
      assert.strictEqual(res.status, 200, res.text)
    }
    return id
  })

/** What every FINALIZE answer of one media should agree on (`expires_after_secs` may differ by the clock's second). */
const stable = (json: unknown) => ({
  id: at(json, "data", "id"),
  media_key: at(json, "data", "media_key"),
  size: at(json, "data", "size"),
  processing_info: at(json, "data", "processing_info"),
  video: at(json, "data", "video"),
  image: at(json, "data", "image")
})

const N = 8

/**
 * N FINALIZEs of `id` at once, as retries would come: half sent together, the others started a few ms apart (the real
 * clock only spreads the requests over the first one's assembly; nothing asserts on timing).
 */
const finalizeAll = (id: string) =>
  Effect.all(
    Array.from({ length: N }, (_, k) =>
      Effect.sleep(Duration.millis(k < N / 2 ? 0 : (k - N / 2 + 1) * 3)).pipe(
        Effect.zipRight(call("POST", `/2/media/upload/${id}/finalize`))
      )),
    { concurrency: "unbounded" }
  )

/** `sample.mp4` grown to about 4 MB by a trailing `free` box (still the same valid video), so assembling it takes a while. */
const bigVideo = (): Uint8Array => {
  const video = fixture("sample.mp4")
  const pad = 4 * 1024 * 1024
  const out = new Uint8Array(video.length + pad)
  out.set(video)
  new DataView(out.buffer).setUint32(video.length, pad)
  out.set(new TextEncoder().encode("free"), video.length + 4)
  return out
}

describe("concurrent FINALIZEs of one media id", () => {
  it.live("all answer 200 with the same media; processing starts once; the stored bytes are the uploaded ones", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const video = bigVideo()
      // many segments: the assembly takes many I/O turns, so the FINALIZEs overlap it
      const id = yield* uploadSegments(video, "video/mp4", "tweet_video", 64 * 1024)
      const answers = yield* finalizeAll(id)
      for (const a of answers) assert.strictEqual(a.status, 200, a.text)
      const first = stable(answers[0]!.json)
      assert.strictEqual(first.id, id)
      assert.strictEqual(first.size, video.length)
      // the one-shot omitCheckAfterSecs rule is consumed by the FINALIZE that starts the processing: had two of them
      // started it, one answer would carry check_after_secs
      assert.deepStrictEqual(first.processing_info, { state: "pending" })
      for (const a of answers) assert.deepStrictEqual(stable(a.json), first)

      const record = yield* emulator.media(id)
      assert.strictEqual(record?.finalized, true)
      assert.strictEqual(record?.sha256, sha(video))
      assert.strictEqual(record?.probe?.kind, "video")
      assert.strictEqual(record?.processing?.omitCheckAfterSecs, true)
      // the assembled file holds the uploaded bytes; no segment or temporary file is left beside it
      const dir = path.join(emulator.dataDir, "media", id)
      assert.deepStrictEqual(fs.readdirSync(dir), ["file"])
      assert.strictEqual(sha(new Uint8Array(fs.readFileSync(path.join(dir, "file")))), sha(video))

      yield* call("GET", `/2/media/upload?command=STATUS&media_id=${id}`)
      const status = yield* call("GET", `/2/media/upload?command=STATUS&media_id=${id}`)
      assert.deepStrictEqual(at(status.json, "data", "processing_info"), { state: "succeeded", progress_percent: 100 })
      assert.deepStrictEqual((yield* emulator.media(id))?.processing?.outcome, { state: "succeeded" })
    }).pipe(Effect.provide(Layer.mergeAll(
      Emulator.layer({
        processing: Emulator.afterPolls(2),
        faults: [{ count: 1, fault: { kind: "omitCheckAfterSecs" } }]
      }),
      NodeHttpClient.layer
    ))))

  it.live("an image finalized by concurrent FINALIZEs: all 200 with the same image", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const png = fixture("sample.png")
      const id = yield* uploadSegments(png, "image/png", "tweet_image", 64)
      const answers = yield* finalizeAll(id)
      for (const a of answers) assert.strictEqual(a.status, 200, a.text)
      for (const a of answers) {
        assert.deepStrictEqual(stable(a.json), stable(answers[0]!.json))
        assert.deepStrictEqual(at(a.json, "data", "image"), { image_type: "image/png", w: 64, h: 48 })
      }
      const record = yield* emulator.media(id)
      assert.strictEqual(record?.sha256, sha(png))
      assert.deepStrictEqual(fs.readdirSync(path.join(emulator.dataDir, "media", id)), ["file"])
    }).pipe(Effect.provide(Layer.mergeAll(Emulator.layer(), NodeHttpClient.layer))))
})
