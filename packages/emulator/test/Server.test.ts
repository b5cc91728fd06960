import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as http from "node:http"
import { Emulator, Identities } from "../src/index.js"
import { at, call, fixture } from "./helpers.js"

const OTHER = "2000000000000000002"
const identities = Identities.fromFile({
  users: [{ id: OTHER, username: "other" }],
  oauth2Tokens: [{ token: "other-token", userId: OTHER, scopes: ["media.write", "tweet.read", "tweet.write", "users.read"] }]
})
const TestLayer = Layer.mergeAll(
  Emulator.layer({ processing: Emulator.immediate, identities, maxChunkBytes: 64 * 1024, strict: true }),
  NodeHttpClient.layer
)

const initPng = (total: number, token?: string) =>
  Effect.map(
    call("POST", "/2/media/upload/initialize", {
      ...(token === undefined ? {} : { token }),
      json: { media_type: "image/png", total_bytes: total }
    }),
    (r) => String(at(r.json, "data", "id"))
  )

/** Sends headers announcing `declared` bytes, writes only `sent`, and resolves with the status X-style refusal. */
const partialUpload = (port: number, path: string, declared: number, sent: number) =>
  Effect.async<{ status: number; body: string }, Error>((resume) => {
    const req = http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path,
      headers: {
        authorization: "Bearer xmedia-dev-token",
        "content-type": "multipart/form-data; boundary=XYZ",
        "content-length": String(declared)
      }
    }, (res) => {
      let body = ""
      res.on("data", (c: Buffer) => (body += c.toString()))
      res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, body })))
    })
    req.on("error", (e) => resume(Effect.fail(e)))
    req.write(Buffer.alloc(sent, 0x61))
    return Effect.sync(() => req.destroy())
  })

layer(TestLayer)("server: bad input", (it) => {
  it.effect("malformed JSON and wrong content type get X's invalid-request bodies", () =>
    Effect.gen(function*() {
      const bad = yield* call("POST", "/2/media/upload/initialize", { rawBody: { body: "{nope", contentType: "application/json" } })
      assert.strictEqual(bad.status, 400)
      assert.strictEqual(at(bad.json, "errors", 0, "message"), "Request body is not valid JSON.")
      const wrong = yield* call("POST", "/2/media/upload/initialize", {
        rawBody: { body: JSON.stringify({ media_type: "image/png", total_bytes: 1 }), contentType: "text/plain" }
      })
      assert.strictEqual(wrong.status, 400)
      assert.strictEqual(at(wrong.json, "errors", 0, "message"), "Requests with bodies must have content-type of application/json.")
      const missing = yield* call("POST", "/2/media/upload/initialize", { json: { total_bytes: 1 } })
      assert.strictEqual(missing.status, 400)
      assert.match(String(at(missing.json, "errors", 0, "message")), /media_type/)
      const extra = yield* call("POST", "/2/media/upload/initialize", { json: { media_type: "image/png", total_bytes: 1, nope: 1 } })
      assert.strictEqual(extra.status, 400)
    }))

  it.effect("broken multipart is a 400 and the server keeps serving", () =>
    Effect.gen(function*() {
      const id = yield* initPng(10)
      const res = yield* call("POST", `/2/media/upload/${id}/append`, {
        rawBody: { body: "--XYZ\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a\"\r\n\r\nabc", contentType: "multipart/form-data; boundary=XYZ" }
      })
      assert.strictEqual(res.status, 400)
      const noBoundary = yield* call("POST", `/2/media/upload/${id}/append`, { rawBody: { body: "x", contentType: "multipart/form-data" } })
      assert.strictEqual(noBoundary.status, 400)
      const next = yield* call("GET", "/2/users/me")
      assert.strictEqual(next.status, 200)
    }))

  it.effect("unknown routes get X's 404 code 34; every response carries x-emulator and rate-limit headers", () =>
    Effect.gen(function*() {
      const res = yield* call("GET", "/2/nothing/here")
      assert.strictEqual(res.status, 404)
      assert.deepStrictEqual(res.json, { errors: [{ code: 34, message: "Sorry, that page does not exist" }] })
      assert.strictEqual(res.headers["x-emulator"], "xmedia/0.1.0")
      const me = yield* call("GET", "/2/users/me")
      assert.isString(me.headers["x-rate-limit-limit"])
      assert.isString(me.headers["x-rate-limit-reset"])
    }))

  it.effect("another user's media id is refused like an unknown one", () =>
    Effect.gen(function*() {
      const theirs = yield* initPng(10, "other-token")
      const res = yield* call("POST", `/2/media/upload/${theirs}/append`, {
        form: [["segment_index", "0"], ["media", { bytes: new Uint8Array(10), filename: "a" }]]
      })
      assert.strictEqual(res.status, 400)
      assert.deepStrictEqual(at(res.json, "errors", 0, "parameters"), { id: [theirs] })
      const status = yield* call("GET", `/2/media/upload?command=STATUS&media_id=${theirs}`)
      assert.strictEqual(status.status, 400)
    }))

  it.effect("segment_index outside 0..999 is refused", () =>
    Effect.gen(function*() {
      const id = yield* initPng(10)
      const res = yield* call("POST", `/2/media/upload/${id}/append`, {
        form: [["segment_index", "1000"], ["media", { bytes: new Uint8Array(10), filename: "a" }]]
      })
      assert.strictEqual(res.status, 400)
      assert.deepStrictEqual(at(res.json, "errors", 0, "parameters"), { segment_index: ["1000"] })
    }))

  it.effect("an oversize chunk is refused from its content-length, before the body is sent", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const id = yield* initPng(10)
      // Declares 50 MiB but sends only 1 KiB: the 413 can only come back if the server did not wait for the body.
      const res = yield* partialUpload(emulator.port, `/2/media/upload/${id}/append`, 50 * 1024 * 1024, 1024)
      assert.strictEqual(res.status, 413)
      const after = yield* call("GET", "/2/users/me")
      assert.strictEqual(after.status, 200)
    }))

  it.effect("an oversize chunk without content-length is cut off while streaming", () =>
    Effect.gen(function*() {
      const id = yield* initPng(10)
      const res = yield* call("POST", `/2/media/upload/${id}/append`, {
        form: [["segment_index", "0"], ["media", { bytes: new Uint8Array(65 * 1024), filename: "a" }]]
      })
      assert.strictEqual(res.status, 413)
    }))

  it.effect("concurrent appends to one media assemble in index order", () =>
    Effect.gen(function*() {
      const png = fixture("sample.png")
      const size = Math.ceil(png.length / 8)
      const id = yield* initPng(png.length)
      yield* Effect.forEach(
        Array.from({ length: 8 }, (_, i) => i),
        (i) =>
          call("POST", `/2/media/upload/${id}/append`, {
            form: [["segment_index", String(i)], ["media", { bytes: png.subarray(i * size, (i + 1) * size), filename: "c" }]]
          }),
        { concurrency: "unbounded" }
      )
      const fin = yield* call("POST", `/2/media/upload/${id}/finalize`)
      assert.strictEqual(fin.status, 200, fin.text)
      assert.deepStrictEqual(at(fin.json, "data", "image"), { image_type: "image/png", w: 64, h: 48 })
    }))

  it.effect("the journal records method, route, user and status, never bodies", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* call("GET", "/2/users/me")
      const entries = yield* emulator.requests
      const last = entries[entries.length - 1]!
      assert.strictEqual(last.operation, "users.me")
      assert.strictEqual(last.userId, "1000000000000000001")
      assert.strictEqual(last.status, 200)
      assert.strictEqual(last.authKind, "oauth2-user")
    }))
})
