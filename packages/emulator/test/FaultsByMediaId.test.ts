/**
 * Fault rules targeted by media id on requests that carry the id in their body: `/1.1/media/upload.json`
 * (multipart fields or a url-encoded form) and the deprecated command form of `POST /2/media/upload`.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { AdminClient, Emulator } from "../src/index.js"
import { at, call, oauth1Header } from "./helpers.js"

const TestLayer = Layer.mergeAll(Emulator.layer({ processing: Emulator.immediate, faultsSeed: 7 }), NodeHttpClient.layer)
const admin = Effect.flatMap(Emulator.Emulator, (e) => AdminClient.make(e.url))

// The emulator runs on a TestClock at epoch 0 here: sign with timestamps near 0.
let nonce = 0
const sign = (method: string, path: string, form: Record<string, string> = {}) =>
  oauth1Header(method, `https://upload.twitter.com${path}`, form, undefined, { timestamp: 1, nonce: `fbm-${++nonce}` })

const v1Form = (form: Record<string, string>) =>
  call("POST", "/1.1/media/upload.json", {
    token: null,
    urlEncoded: form,
    headers: { authorization: sign("POST", "/1.1/media/upload.json", form) }
  })

const v1Multipart = (id: string, index: number, bytes: Uint8Array) =>
  call("POST", "/1.1/media/upload.json", {
    token: null,
    headers: { authorization: sign("POST", "/1.1/media/upload.json") },
    form: [["command", "APPEND"], ["media_id", id], ["segment_index", String(index)], ["media", { bytes, filename: "blob" }]]
  })

const v1Init = (total: number) =>
  Effect.map(
    v1Form({ command: "INIT", media_type: "video/mp4", total_bytes: String(total), media_category: "tweet_video" }),
    (r) => String(at(r.json, "media_id_string"))
  )

const v2CommandInit = (total: number) =>
  Effect.map(
    call("POST", "/2/media/upload", {
      form: [["command", "INIT"], ["media_type", "video/mp4"], ["total_bytes", String(total)], ["media_category", "tweet_video"]]
    }),
    (r) => String(at(r.json, "data", "id"))
  )

const v2CommandAppend = (id: string, index: number, bytes: Uint8Array) =>
  call("POST", "/2/media/upload", {
    form: [["command", "APPEND"], ["media_id", id], ["segment_index", String(index)], ["media", { bytes, filename: "blob" }]]
  })

layer(TestLayer)("fault rules matched by the media id in a request body", (it) => {
  it.effect("v1.1 multipart APPEND: a mediaId-targeted 503 hits that media only; the handler did not run", () =>
    Effect.gen(function*() {
      const client = yield* admin
      yield* client.reset
      const chunk = new Uint8Array(200_000).fill(3)
      const target = yield* v1Init(chunk.length * 2)
      const other = yield* v1Init(chunk.length * 2)
      yield* client.addFaults([{ match: { mediaId: target }, count: 1, fault: { kind: "status", status: 503 } }])

      const otherRes = yield* v1Multipart(other, 0, chunk)
      assert.strictEqual(otherRes.status, 204, otherRes.text)
      const hit = yield* v1Multipart(target, 0, chunk)
      assert.strictEqual(hit.status, 503, hit.text)
      assert.deepStrictEqual(hit.json, { errors: [{ code: 130, message: "Over capacity" }] })
      assert.strictEqual((yield* client.media(target)).bytesReceived, 0, "the 503 stored nothing")
      // count: 1 is spent; the retry goes through with its whole body (the peeked fields were not lost).
      const retry = yield* v1Multipart(target, 0, chunk)
      assert.strictEqual(retry.status, 204, retry.text)
      assert.strictEqual((yield* client.media(target)).bytesReceived, chunk.length)
      const journal = yield* client.requests({ operation: "v1.media.append" })
      assert.deepStrictEqual(journal.map((e) => [e.mediaId, e.status, e.fault?.split(":")[1]]), [
        [other, 204, undefined],
        [target, 503, "status"],
        [target, 204, undefined]
      ])
    }))

  it.effect("v1.1 url-encoded APPEND (media_data): the id in the form body matches a rule", () =>
    Effect.gen(function*() {
      const client = yield* admin
      yield* client.reset
      const chunk = new Uint8Array(1000).fill(9)
      const target = yield* v1Init(chunk.length)
      const other = yield* v1Init(chunk.length)
      yield* client.addFaults([{ match: { mediaId: target, operation: "v1.media.append" }, fault: { kind: "status", status: 503 } }])
      const append = (id: string) =>
        v1Form({ command: "APPEND", media_id: id, segment_index: "0", media_data: Buffer.from(chunk).toString("base64") })
      assert.strictEqual((yield* append(other)).status, 204)
      assert.strictEqual((yield* append(target)).status, 503)
      assert.strictEqual((yield* client.media(target)).bytesReceived, 0)
      // FINALIZE for the target is another operation: not matched.
      yield* client.clearFaults
      assert.strictEqual((yield* append(target)).status, 204)
    }))

  it.effect("v1.1 multipart APPEND: a mediaId-targeted reset after commit stores the chunk and loses the answer", () =>
    Effect.gen(function*() {
      const client = yield* admin
      yield* client.reset
      const chunk = new Uint8Array(100_000).fill(5)
      const target = yield* v1Init(chunk.length)
      const other = yield* v1Init(chunk.length)
      yield* client.addFaults([{ match: { mediaId: target }, count: 1, fault: { kind: "resetAfterCommit" } }])
      assert.strictEqual((yield* v1Multipart(other, 0, chunk)).status, 204)
      const lost = yield* Effect.either(v1Multipart(target, 0, chunk))
      assert.isTrue(Either.isLeft(lost), "the client sees the connection reset")
      assert.strictEqual((yield* client.media(target)).bytesReceived, chunk.length, "the chunk was stored")
      assert.deepStrictEqual((yield* client.faults).rules.map((r) => r.fired), [1])
    }))

  it.effect("v1.1 multipart APPEND: a mediaId-targeted reset after N request bytes counts the peeked fields' bytes", () =>
    Effect.gen(function*() {
      const client = yield* admin
      yield* client.reset
      const chunk = new Uint8Array(300_000).fill(4)
      const target = yield* v1Init(chunk.length)
      yield* client.addFaults([{ match: { mediaId: target }, count: 1, fault: { kind: "resetAfterRequestBytes", bytes: 150_000 } }])
      const cut = yield* Effect.either(v1Multipart(target, 0, chunk))
      assert.isTrue(Either.isLeft(cut), "the client sees the connection reset")
      assert.strictEqual((yield* client.media(target)).bytesReceived, 0, "nothing was stored")
      const retry = yield* v1Multipart(target, 0, chunk)
      assert.strictEqual(retry.status, 204, retry.text)
      assert.strictEqual((yield* client.media(target)).bytesReceived, chunk.length)
    }))

  it.effect("v2 command form (multipart command=APPEND): a mediaId-targeted 503 and reset after commit hit that media only", () =>
    Effect.gen(function*() {
      const client = yield* admin
      yield* client.reset
      const chunk = new Uint8Array(150_000).fill(1)
      const target = yield* v2CommandInit(chunk.length * 2)
      const other = yield* v2CommandInit(chunk.length * 2)
      yield* client.addFaults([{ match: { mediaId: target }, count: 1, fault: { kind: "status", status: 503 } }])
      assert.strictEqual((yield* v2CommandAppend(other, 0, chunk)).status, 204)
      const hit = yield* v2CommandAppend(target, 0, chunk)
      assert.strictEqual(hit.status, 503, hit.text)
      assert.strictEqual(at(hit.json, "title"), "Service Unavailable")
      assert.strictEqual((yield* client.media(target)).bytesReceived, 0)

      yield* client.addFaults([{ match: { mediaId: target, operation: "media.append" }, count: 1, fault: { kind: "resetAfterCommit" } }])
      assert.strictEqual((yield* v2CommandAppend(other, 1, chunk)).status, 204)
      const lost = yield* Effect.either(v2CommandAppend(target, 0, chunk))
      assert.isTrue(Either.isLeft(lost))
      assert.strictEqual((yield* client.media(target)).bytesReceived, chunk.length, "the chunk was stored")
      assert.strictEqual((yield* v2CommandAppend(target, 1, chunk)).status, 204)
      assert.strictEqual((yield* client.media(target)).bytesReceived, chunk.length * 2)
      assert.strictEqual((yield* client.media(other)).bytesReceived, chunk.length * 2)
      // A small body (no file part) is peeked whole while rules exist, and still reaches the handler intact.
      const fin = yield* call("POST", "/2/media/upload", { form: [["command", "FINALIZE"], ["media_id", other]] })
      assert.strictEqual(fin.status, 201, fin.text)
      const journal = yield* client.requests({ operation: "media.finalize" })
      assert.deepStrictEqual(journal.map((e) => [e.mediaId, e.status]), [[other, 201]])
    }))
})
