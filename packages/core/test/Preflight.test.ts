import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Preflight from "../src/Preflight.js"
import type * as XError from "../src/XError.js"

const path = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

const refused = <A, R>(effect: Effect.Effect<A, XError.InvalidInput, R>) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(effect)
    assert.strictEqual(error._tag, "InvalidInput")
    return error
  })

describe("Preflight.inspect on real files", () => {
  it.effect("PNG -> image/png, tweet_image", () =>
    Effect.gen(function*() {
      const info = yield* Preflight.inspect(path("sample.png"))
      assert.strictEqual(info.mediaType, "image/png")
      assert.strictEqual(info.mediaCategory, "tweet_image")
      assert.strictEqual(info.size, 469)
      assert.strictEqual(info.maxBytes, 5_000_000)
      assert.isTrue(info.nameMatchesContent)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("JPEG, GIF and MP4 get their types and default categories", () =>
    Effect.gen(function*() {
      const jpg = yield* Preflight.inspect(path("sample.jpg"))
      assert.deepStrictEqual([jpg.mediaType, jpg.mediaCategory], ["image/jpeg", "tweet_image"])
      const gif = yield* Preflight.inspect(path("sample.gif"))
      assert.deepStrictEqual([gif.mediaType, gif.mediaCategory, gif.maxBytes], ["image/gif", "tweet_gif", 15_000_000])
      const mp4 = yield* Preflight.inspect(path("sample.mp4"))
      assert.deepStrictEqual([mp4.mediaType, mp4.mediaCategory, mp4.size], ["video/mp4", "tweet_video", 24006])
      const dm = yield* Preflight.inspect(path("sample.mp4"), { destination: "dm" })
      assert.deepStrictEqual([dm.mediaCategory, dm.maxBytes], ["dm_video", 512_000_000])
      const premium = yield* Preflight.inspect(path("sample.mp4"), { destination: "dm", premium: true })
      assert.strictEqual(premium.maxBytes, 1_000_000_000)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("SRT and WebVTT are validated and go as subtitles", () =>
    Effect.gen(function*() {
      const srt = yield* Preflight.inspect(path("sample.en.srt"))
      assert.deepStrictEqual([srt.mediaType, srt.mediaCategory], ["text/srt", "subtitles"])
      assert.deepStrictEqual(srt.subtitles, { format: "srt", cues: 2 })
      const vtt = yield* Preflight.inspect(path("sample.fr.vtt"))
      assert.deepStrictEqual([vtt.mediaType, vtt.mediaCategory], ["text/vtt", "subtitles"])
      assert.deepStrictEqual(vtt.subtitles, { format: "vtt", cues: 2 })
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("files that lie about their extension are typed by content", () =>
    Effect.gen(function*() {
      const image = yield* Preflight.inspect(path("image-named-as.mp4"))
      assert.deepStrictEqual([image.mediaType, image.mediaCategory, image.extension], ["image/png", "tweet_image", "png"])
      assert.isFalse(image.nameMatchesContent)
      const video = yield* Preflight.inspect(path("video-named-as.png"))
      assert.deepStrictEqual([video.mediaType, video.mediaCategory, video.extension], ["video/mp4", "tweet_video", "mp4"])
      assert.isFalse(video.nameMatchesContent)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("a broken SRT is refused with its line number", () =>
    Effect.gen(function*() {
      const error = yield* refused(Preflight.inspect(path("broken.srt")))
      assert.include(error.message, "not a valid SRT file, line 6")
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("missing file, directory and empty file are refused with what to fix", () =>
    Effect.gen(function*() {
      const missing = yield* refused(Preflight.inspect(path("no-such-file.mp4")))
      assert.include(missing.message, "no file at")
      assert.include(missing.message, "check the path")
      assert.strictEqual(missing.field, "path")
      const directory = yield* refused(Preflight.inspect(path("x-examples")))
      assert.include(directory.message, "is a directory")
      const empty = yield* refused(Preflight.inspect(path("empty.bin")))
      assert.include(empty.message, "is empty (0 bytes)")
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("a declared category must fit the content; an unknown category is refused", () =>
    Effect.gen(function*() {
      const mismatch = yield* refused(Preflight.inspect(path("video-named-as.png"), { mediaCategory: "tweet_image" }))
      assert.include(mismatch.message, `cannot be uploaded as "tweet_image"`)
      assert.include(mismatch.message, `"tweet_video" or "amplify_video" or "dm_video"`)
      assert.strictEqual(mismatch.field, "media_category")
      const unknown = yield* refused(
        Preflight.inspect(path("sample.png"), { mediaCategory: "tweet_photo" as Preflight.Options["mediaCategory"] })
      )
      assert.include(unknown.message, `"tweet_photo" is not a media category`)
      assert.include(unknown.message, "tweet_image")
      const amplify = yield* Preflight.inspect(path("sample.mp4"), { mediaCategory: "amplify_video" })
      assert.strictEqual(amplify.mediaCategory, "amplify_video")
      const stillGif = yield* Preflight.inspect(path("sample.gif"), { mediaCategory: "tweet_image" })
      assert.strictEqual(stillGif.maxBytes, 5_000_000)
    }).pipe(Effect.provide(NodeContext.layer)))
})

describe("Preflight.inspectBytes", () => {
  const png = new Uint8Array(readFileSync(path("sample.png")))

  it.effect("refuses an image over the category limit", () =>
    Effect.gen(function*() {
      const big = new Uint8Array(5_000_001)
      big.set(png)
      const error = yield* refused(Preflight.inspectBytes(big, { name: "big.png" }))
      assert.include(error.message, "5000001 bytes, over the 5000000-byte limit for tweet_image")
      const ok = yield* Preflight.inspectBytes(big.subarray(0, 5_000_000))
      assert.strictEqual(ok.mediaCategory, "tweet_image")
    }))

  it.effect("refuses types X does not accept and unrecognisable bytes", () =>
    Effect.gen(function*() {
      const pdf = new TextEncoder().encode("%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n")
      const pdfError = yield* refused(Preflight.inspectBytes(pdf, { name: "doc.pdf" }))
      assert.include(pdfError.message, "application/pdf")
      assert.include(pdfError.message, "export the pages as images")
      const noise = new Uint8Array([0, 1, 2, 3, 0, 255, 7, 9])
      const noiseError = yield* refused(Preflight.inspectBytes(noise))
      assert.include(noiseError.message, "could not recognise the type")
      const prose = new TextEncoder().encode("just some notes, not subtitles")
      const proseError = yield* refused(Preflight.inspectBytes(prose))
      assert.include(proseError.message, "could not recognise the type")
      const empty = yield* refused(Preflight.inspectBytes(new Uint8Array(0)))
      assert.include(empty.message, "empty")
    }))

  it.effect("an animated PNG is a PNG; a UTF-16 subtitle file is told to be saved as UTF-8", () =>
    Effect.gen(function*() {
      const png = new Uint8Array(readFileSync(path("sample.png")))
      // an acTL chunk (2 frames, loop forever) right after IHDR makes it an APNG
      const acTL = new Uint8Array([0, 0, 0, 8, 0x61, 0x63, 0x54, 0x4c, 0, 0, 0, 2, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78])
      const apng = new Uint8Array([...png.subarray(0, 33), ...acTL, ...png.subarray(33)])
      const info = yield* Preflight.inspectBytes(apng, { name: "anim.png" })
      assert.strictEqual(info.mediaType, "image/png")
      assert.strictEqual(info.mediaCategory, "tweet_image")
      const srt = "1\r\n00:00:01,000 --> 00:00:02,000\r\nHello\r\n"
      const utf16 = new Uint8Array([0xff, 0xfe, ...Array.from(srt).flatMap((c) => [c.charCodeAt(0), 0])])
      const error = yield* refused(Preflight.inspectBytes(utf16, { name: "notes.srt" }))
      assert.include(error.message, "UTF-16 text: save it as UTF-8")
    }))

  it("exposes the category tables", () => {
    assert.deepStrictEqual(Preflight.categoriesFor("video/quicktime"), ["tweet_video", "amplify_video", "dm_video"])
    assert.strictEqual(Preflight.defaultCategory("image/webp", "dm"), "dm_image")
    assert.isUndefined(Preflight.defaultCategory("model/gltf-binary"))
    assert.strictEqual(Preflight.limits.tweet_video.premiumMaxBytes, 16_000_000_000)
    assert.strictEqual(Preflight.maxChunkedBytes, 5_000_000_000)
  })
})
