import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { scannerFor } from "../src/internal/sniffing.js"
import * as Preflight from "../src/Preflight.js"
import * as Uploader from "../src/Uploader.js"
import * as XError from "../src/XError.js"
import { makeFakeX, provideFake, tempFile } from "./UploaderFakeX.js"

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
      assert.deepStrictEqual(srt.subtitles, { format: "srt", cues: 2, repaired: [] })
      const vtt = yield* Preflight.inspect(path("sample.fr.vtt"))
      assert.deepStrictEqual([vtt.mediaType, vtt.mediaCategory], ["text/vtt", "subtitles"])
      assert.deepStrictEqual(vtt.subtitles, { format: "vtt", cues: 2, repaired: [] })
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

/** LZW data for 8-bit pixels sent as 9-bit literal codes, a clear code every 250 so the code width never grows. */
const lzwLiterals = (pixels: Uint8Array): Uint8Array => {
  const out = new Uint8Array(Math.ceil(((pixels.length + Math.ceil(pixels.length / 250) + 2) * 9) / 8) + 1)
  let bits = 0
  let bitCount = 0
  let at = 0
  const put = (code: number) => {
    bits |= code << bitCount
    bitCount += 9
    while (bitCount >= 8) {
      out[at++] = bits & 0xff
      bits >>>= 8
      bitCount -= 8
    }
  }
  for (let i = 0; i < pixels.length; i++) {
    if (i % 250 === 0) put(256)
    put(pixels[i]!)
  }
  put(257)
  if (bitCount > 0) out[at++] = bits & 0xff
  return out.subarray(0, at)
}

/**
 * A real GIF89a (gifsicle, ffmpeg and ImageMagick decode it): a 256-grey global colour table, a loop extension when
 * animated, and for each frame a graphic control extension, a full-canvas image descriptor and uncompressed LZW data
 * in 255-byte sub-blocks, so a frame of `width x height` pixels takes about 1.13 bytes per pixel.
 */
const gifOf = (width: number, height: number, frames: number): Uint8Array => {
  const parts: Array<Uint8Array | ReadonlyArray<number>> = []
  const u16 = (n: number) => [n & 0xff, n >> 8]
  parts.push([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, ...u16(width), ...u16(height), 0xf7, 0, 0])
  parts.push(Array.from({ length: 768 }, (_, i) => Math.floor(i / 3)))
  if (frames > 1) parts.push([0x21, 0xff, 0x0b, ...new TextEncoder().encode("NETSCAPE2.0"), 3, 1, 0, 0, 0])
  for (let frame = 0; frame < frames; frame++) {
    parts.push([0x21, 0xf9, 4, 0, 10, 0, 0, 0])
    parts.push([0x2c, 0, 0, 0, 0, ...u16(width), ...u16(height), 0, 8])
    const pixels = new Uint8Array(width * height)
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * (3 + 2 * frame) + (i >> 7)) & 0xff
    const data = lzwLiterals(pixels)
    for (let i = 0; i < data.length; i += 255) {
      const block = data.subarray(i, i + 255)
      parts.push([block.length], block)
    }
    parts.push([0])
  }
  parts.push([0x3b])
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

describe("Preflight: still and animated GIF and WebP", () => {
  it.effect("a still GIF goes as an image, an animated one as a GIF (dm_image / dm_gif for a DM)", () =>
    Effect.gen(function*() {
      const still = yield* Preflight.inspect(path("still.gif"))
      assert.deepStrictEqual([still.mediaType, still.mediaCategory, still.maxBytes], [
        "image/gif",
        "tweet_image",
        5_000_000
      ])
      assert.deepStrictEqual(still.image, { width: 8, height: 6, animated: false })
      const stillDm = yield* Preflight.inspect(path("still.gif"), { destination: "dm" })
      assert.strictEqual(stillDm.mediaCategory, "dm_image")
      const animated = yield* Preflight.inspect(path("animated.gif"))
      assert.deepStrictEqual([animated.mediaCategory, animated.maxBytes], ["tweet_gif", 15_000_000])
      assert.deepStrictEqual(animated.image, { width: 8, height: 6, animated: true })
      const animatedDm = yield* Preflight.inspect(path("animated.gif"), { destination: "dm" })
      assert.strictEqual(animatedDm.mediaCategory, "dm_gif")
      const sample = yield* Preflight.inspect(path("sample.gif"))
      assert.deepStrictEqual(sample.image, { width: 64, height: 48, animated: true })
      // the same from bytes in memory
      const fromBytes = yield* Preflight.inspectBytes(new Uint8Array(readFileSync(path("still.gif"))))
      assert.deepStrictEqual([fromBytes.mediaCategory, fromBytes.image?.animated], ["tweet_image", false])
      // other types carry no image facts
      assert.isUndefined((yield* Preflight.inspect(path("sample.png"))).image)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("a WebP goes as an image, animated or not (X lists WEBP among image types only)", () =>
    Effect.gen(function*() {
      const animated = yield* Preflight.inspect(path("animated.webp"))
      assert.deepStrictEqual([animated.mediaType, animated.mediaCategory, animated.maxBytes], [
        "image/webp",
        "tweet_image",
        5_000_000
      ])
      assert.deepStrictEqual(animated.image, { width: 8, height: 6, animated: true })
      const still = yield* Preflight.inspect(path("still.webp"))
      assert.deepStrictEqual([still.mediaCategory, still.extension], ["tweet_image", "webp"])
      assert.deepStrictEqual(still.image, { width: 64, height: 48, animated: false })
      const asGif = yield* refused(Preflight.inspect(path("animated.webp"), { mediaCategory: "tweet_gif" }))
      assert.include(asGif.message, `cannot be uploaded as "tweet_gif"`)
    }).pipe(Effect.provide(NodeContext.layer)))

  const bigStill = gifOf(2400, 2300, 1)

  it.effect("a 6 MB still GIF is refused with what to do, before any network call; given as tweet_gif it goes", () =>
    Effect.gen(function*() {
      assert.isAbove(bigStill.length, 6_000_000)
      const error = yield* refused(Preflight.inspectBytes(bigStill, { name: "still.gif" }))
      assert.instanceOf(error, XError.InvalidInput)
      assert.strictEqual(error.field, "media")
      assert.include(error.message, `"still.gif" is a still GIF (one frame) of ${bigStill.length} bytes`)
      assert.include(error.message, "tweet_image allows at most 5000000 bytes")
      assert.include(error.message, "convert it to PNG or JPEG")
      assert.include(error.message, `upload it with mediaCategory "tweet_gif" (up to 15000000 bytes)`)
      const dm = yield* refused(Preflight.inspectBytes(bigStill, { destination: "dm" }))
      assert.include(dm.message, `mediaCategory "dm_gif"`)

      // the same from a file on disk, and through the uploader: nothing reaches X
      const file = yield* tempFile("big-still.gif", bigStill)
      const fromFile = yield* refused(Preflight.inspect(file))
      assert.include(fromFile.message, "is a still GIF (one frame)")
      const fake = makeFakeX()
      const upload = yield* Uploader.uploadFile(file).pipe(provideFake(fake), Effect.flip)
      assert.instanceOf(upload, XError.InvalidInput)
      assert.include(upload.message, "is a still GIF (one frame)")
      assert.deepStrictEqual(fake.requests, [])

      // the user asked for a GIF: it goes as one, under tweet_gif's limit
      const asGif = yield* Preflight.inspect(file, { mediaCategory: "tweet_gif" })
      assert.deepStrictEqual([asGif.mediaCategory, asGif.maxBytes], ["tweet_gif", 15_000_000])
      assert.deepStrictEqual(asGif.image, { width: 2400, height: 2300, animated: false })
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)))

  it.effect("a file's second frame or trailer past the head is found by reading on; a head alone does not guess", () =>
    Effect.gen(function*() {
      // frames of about 340 KB: the second image descriptor and the trailer lie far past the 4100-byte head
      const animated = gifOf(600, 500, 2)
      const still = gifOf(600, 500, 1)
      const animatedFile = yield* tempFile("animated.gif", animated)
      const stillFile = yield* tempFile("still.gif", still)
      const a = yield* Preflight.inspect(animatedFile)
      assert.deepStrictEqual([a.mediaCategory, a.image?.animated], ["tweet_gif", true])
      const s = yield* Preflight.inspect(stillFile)
      assert.deepStrictEqual([s.mediaCategory, s.image?.animated], ["tweet_image", false])
      assert.deepStrictEqual(
        [(yield* Preflight.inspectBytes(animated)).mediaCategory, (yield* Preflight.inspectBytes(still)).mediaCategory],
        ["tweet_gif", "tweet_image"]
      )
      // only the head at hand (a stream): not told, so it goes as tweet_gif, which takes still GIFs too
      const head = yield* Preflight.inspectHead(still.subarray(0, 4100), still.length)
      assert.deepStrictEqual([head.mediaCategory, head.image], [
        "tweet_gif",
        { width: 600, height: 500, animated: undefined }
      ])
      // a GIF over the largest GIF limit is not scanned: refused as over tweet_gif's 15 MB
      const huge = new Uint8Array(15_000_001)
      huge.set(still)
      const tooBig = yield* refused(Preflight.inspectBytes(huge))
      assert.include(tooBig.message, "over the 15000000-byte limit for tweet_gif")
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)))

  it("the frame scanner reads pieces of any size alike, and does not guess on broken GIFs", () => {
    const scan = (mediaType: string, bytes: Uint8Array, sizes: ReadonlyArray<number>) => {
      const scanner = scannerFor(mediaType)!
      for (let offset = 0, i = 0; offset < bytes.length && !scanner.done(); i++) {
        // a reader that skips what the scanner does not want, as the file reader does
        offset = Math.max(offset, scanner.position())
        const piece = bytes.subarray(offset, offset + sizes[i % sizes.length]!)
        if (piece.length === 0) break
        scanner.feed(piece, offset)
        offset += piece.length
      }
      return scanner.result(true)
    }
    const fixtures: ReadonlyArray<readonly [string, string]> = [
      ["still.gif", "image/gif"],
      ["animated.gif", "image/gif"],
      ["sample.gif", "image/gif"],
      ["animated.webp", "image/webp"],
      ["still.webp", "image/webp"]
    ]
    for (const [name, mediaType] of fixtures) {
      const bytes = new Uint8Array(readFileSync(path(name)))
      const whole = scan(mediaType, bytes, [bytes.length])
      assert.isDefined(whole?.animated, name)
      for (const sizes of [[1], [2, 7], [13, 1, 255]]) {
        assert.deepStrictEqual(scan(mediaType, bytes, sizes), whole, `${name} in pieces of ${sizes.join(", ")}`)
      }
    }
    const gif = new Uint8Array(readFileSync(path("animated.gif")))
    // cut inside the first frame: one frame at most, so a still picture
    assert.deepStrictEqual(scan("image/gif", gif.subarray(0, 60), [60]), { width: 8, height: 6, animated: false })
    // a byte that starts no block before any frame: not told
    const broken = new Uint8Array([...gif.subarray(0, 19), 0x99, ...gif.subarray(19)])
    assert.deepStrictEqual(scan("image/gif", broken, [broken.length]), { width: 8, height: 6, animated: undefined })
    // shorter than the GIF header: nothing known
    assert.isUndefined(scan("image/gif", gif.subarray(0, 10), [10]))
    assert.isUndefined(scannerFor("image/png"))
  })

  it.effect("a broken GIF is not refused for its frames: it goes as tweet_gif", () =>
    Effect.gen(function*() {
      const gif = new Uint8Array(readFileSync(path("animated.gif")))
      const broken = new Uint8Array([...gif.subarray(0, 19), 0x99, ...gif.subarray(19)])
      const info = yield* Preflight.inspectBytes(broken)
      assert.deepStrictEqual([info.mediaType, info.mediaCategory, info.image?.animated], [
        "image/gif",
        "tweet_gif",
        undefined
      ])
    }))
})
