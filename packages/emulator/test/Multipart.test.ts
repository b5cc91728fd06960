import { FileSystem } from "@effect/platform"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Either, Layer, Stream } from "effect"
import * as crypto from "node:crypto"
import * as http from "node:http"
import { BodyError, parseMultipart } from "../src/internal/routes/body.js"
import { Emulator } from "../src/index.js"
import { at, call, DEV_TOKEN, fixture } from "./helpers.js"

const sha = (b: Uint8Array) => crypto.createHash("sha256").update(b).digest("hex")
const enc = new TextEncoder()
const BOUNDARY = "----formdata-xmedia-0123456789"
const headers = { "content-type": `multipart/form-data; boundary=${BOUNDARY}` }

/** A multipart body: `segment_index` and `media` (with or without filename), in the given order. */
const body = (media: Uint8Array, index: number, opts: { readonly filename: boolean; readonly mediaFirst: boolean }) => {
  const seg = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="segment_index"\r\n\r\n${index}\r\n`
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="media"${opts.filename ? "; filename=\"blob\"" : ""}\r\n` +
    `Content-Type: application/octet-stream\r\n\r\n`
  const parts = opts.mediaFirst
    ? [enc.encode(head), media, enc.encode(`\r\n${seg}`)]
    : [enc.encode(seg + head), media, enc.encode("\r\n")]
  return new Uint8Array(Buffer.concat([...parts, enc.encode(`--${BOUNDARY}--\r\n`)]))
}

const variants = [
  { filename: true, mediaFirst: false },
  { filename: true, mediaFirst: true },
  { filename: false, mediaFirst: false },
  { filename: false, mediaFirst: true }
] as const

/** Parses `chunks` as one body with {@link parseMultipart} into `dir`; the file written is read back and removed. */
const parse = (dir: string, chunks: ReadonlyArray<Uint8Array>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const result = yield* Effect.either(parseMultipart(Stream.fromIterable(chunks), headers, dir, 1024 * 1024, (e: never) => e))
    if (Either.isLeft(result)) return Either.left(result.left)
    const media = result.right.files["media"]
    return Either.right({
      fields: result.right.fields,
      media: media === undefined ? undefined : {
        size: media.size,
        sha256: media.sha256,
        onDisk: sha(yield* fs.readFile(media.path).pipe(Effect.tap(() => fs.remove(media.path))))
      }
    })
  })

/** A fresh temporary directory for one test (removed with the test's scope). */
const tmp = Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeTempDirectoryScoped())

describe("parseMultipart (deterministic, no timer)", () => {
  const media = crypto.randomBytes(64)
  it.effect("a valid body split into two chunks at every byte parses the same", () =>
    Effect.gen(function*() {
      const dir = yield* tmp
      for (const v of variants) {
        const b = body(media, 7, v)
        for (let cut = 0; cut <= b.length; cut++) {
          const r = yield* parse(dir, [b.subarray(0, cut), b.subarray(cut)])
          assert.isTrue(Either.isRight(r), `variant ${JSON.stringify(v)} cut ${cut}`)
          if (Either.isLeft(r)) continue
          assert.strictEqual(r.right.fields["segment_index"], "7")
          assert.deepStrictEqual(r.right.media, { size: 64, sha256: sha(media), onDisk: sha(media) })
        }
      }
      // Nothing is left behind: parsed files were read and removed, failed parses remove their own.
      assert.deepStrictEqual(yield* Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readDirectory(dir)), [])
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)))

  it.effect("a valid body in 1..5-byte chunks parses", () =>
    Effect.gen(function*() {
      const dir = yield* tmp
      for (const size of [1, 2, 3, 5]) {
        const b = body(media, 3, variants[1])
        const chunks: Array<Uint8Array> = []
        for (let i = 0; i < b.length; i += size) chunks.push(b.subarray(i, i + size))
        const r = yield* parse(dir, chunks)
        assert.isTrue(Either.isRight(r), `chunk size ${size}`)
      }
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)))

  it.effect("a body truncated at any byte is BrokenMultipart (EndNotReached or a parse error) as soon as it ends", () =>
    Effect.gen(function*() {
      const dir = yield* tmp
      const b = body(media, 7, variants[0])
      // The closing delimiter is `--BOUNDARY--`; cutting only its trailing CRLF leaves a complete body.
      const closing = b.length - 2
      for (let cut = 0; cut < closing; cut++) {
        const r = yield* parse(dir, [b.subarray(0, cut)])
        assert.isTrue(Either.isLeft(r), `cut ${cut}`)
        if (Either.isRight(r)) continue
        assert.instanceOf(r.left, BodyError)
        assert.strictEqual(r.left.reason, "BrokenMultipart", `cut ${cut}`)
      }
      assert.deepStrictEqual(yield* Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readDirectory(dir)), [])
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)))

  it.effect("a file part over the limit is TooLarge and leaves no file behind", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const b = body(crypto.randomBytes(2000), 0, variants[0])
      const r = yield* Effect.either(parseMultipart(Stream.make(b.subarray(0, 1000), b.subarray(1000)), headers, dir, 1000, (e: never) => e))
      assert.isTrue(Either.isLeft(r) && r.left.reason === "TooLarge")
      assert.deepStrictEqual(yield* fs.readDirectory(dir), [])
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)))
})

const TestLayer = Layer.mergeAll(Emulator.layer({ processing: Emulator.immediate, strict: true }), NodeHttpClient.layer)

/** POSTs `bytes` over a fresh connection in `pieces` separate writes (so the server reads it in many chunks). */
const rawPost = (port: number, path: string, bytes: Uint8Array, contentType: string, pieces: number, declared = bytes.length) =>
  Effect.async<{ status: number; body: string }, Error>((resume) => {
    const req = http.request({
      host: "127.0.0.1",
      port,
      path,
      method: "POST",
      agent: false,
      headers: { authorization: `Bearer ${DEV_TOKEN}`, "content-type": contentType, "content-length": String(declared) }
    }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (c: string) => (text += c))
      res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, body: text })))
    })
    req.on("error", (e) => resume(Effect.fail(e)))
    const step = Math.max(1, Math.ceil(bytes.length / pieces))
    for (let i = 0; i < bytes.length; i += step) req.write(bytes.subarray(i, i + step))
    if (declared === bytes.length) req.end()
    return Effect.sync(() => req.destroy())
  })

layer(TestLayer)("multipart APPEND over HTTP under concurrency", (it) => {
  it.effect("16 concurrent APPENDs (with and without filename, fields in both orders) all succeed; sha256 matches", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const png = fixture("sample.png")
      const init = yield* call("POST", "/2/media/upload/initialize", {
        json: { media_type: "image/png", total_bytes: png.length, media_category: "tweet_image" }
      })
      const id = String(at(init.json, "data", "id"))
      const n = 16
      const size = Math.ceil(png.length / n)
      const statuses = yield* Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) => {
        const chunk = png.subarray(i * size, (i + 1) * size)
        const v = variants[i % 4]!
        // Half through the platform client (FormData), half raw in many small writes.
        if (i % 2 === 0) {
          const media = v.filename ? { bytes: chunk, filename: "blob" } : { bytes: chunk, type: "application/octet-stream" }
          const form: ReadonlyArray<readonly [string, string | typeof media]> = v.mediaFirst
            ? [["media", media], ["segment_index", String(i)]]
            : [["segment_index", String(i)], ["media", media]]
          return Effect.map(call("POST", `/2/media/upload/${id}/append`, { form }), (r) => r.status)
        }
        return Effect.map(
          rawPost(emulator.port, `/2/media/upload/${id}/append`, body(chunk, i, v), headers["content-type"], 9),
          (r) => r.status
        )
      }, { concurrency: n })
      assert.deepStrictEqual(statuses, Array.from({ length: n }, () => 200))
      const fin = yield* call("POST", `/2/media/upload/${id}/finalize`)
      assert.strictEqual(fin.status, 200)
      assert.strictEqual((yield* emulator.media(id))?.sha256, sha(png))
    }))

  it.effect("truncated multipart bodies get X's 400 as soon as the request ends, and the server keeps serving", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const init = yield* call("POST", "/2/media/upload/initialize", { json: { media_type: "image/png", total_bytes: 10 } })
      const id = String(at(init.json, "data", "id"))
      const full = body(new Uint8Array(10), 0, variants[0])
      const text = new TextDecoder().decode(full)
      // Inside the file part, inside a part's headers, and just before the closing delimiter's dashes.
      const cuts = [text.indexOf("\r\n\r\n", text.indexOf("name=\"media\"")) + 8, text.indexOf("name=\"media\"") + 3, full.length - 4]
      for (const cut of cuts) {
        const res = yield* rawPost(emulator.port, `/2/media/upload/${id}/append`, full.subarray(0, cut), headers["content-type"], 3)
        assert.strictEqual(res.status, 400, `cut ${cut}`)
        assert.match(res.body, /Request body is not valid multipart\/form-data \(EndNotReached\)/)
      }
      // The same APPEND, complete, then succeeds: a refused body leaves nothing behind.
      const ok = yield* rawPost(emulator.port, `/2/media/upload/${id}/append`, full, headers["content-type"], 3)
      assert.strictEqual(ok.status, 200)
      assert.strictEqual((yield* emulator.media(id))?.bytesReceived, 10)
      const me = yield* call("GET", "/2/users/me")
      assert.strictEqual(me.status, 200)
    }))
})
