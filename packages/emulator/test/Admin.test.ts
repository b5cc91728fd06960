import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import * as crypto from "node:crypto"
import { readFileSync } from "node:fs"
import { AdminClient, Emulator } from "../src/index.js"
import { document } from "../src/internal/admin/openapi.js"
import { VERSION } from "../src/internal/config.js"
import * as OpenApi from "../src/internal/openapi/validator.js"
import { at, call, DEV_TOKEN, DEV_USER, fixture, uploadChunked } from "./helpers.js"

const sha = (b: Uint8Array) => crypto.createHash("sha256").update(b).digest("hex")
const shippedDoc = JSON.parse(readFileSync(new URL("../spec/emulator-admin.openapi.json", import.meta.url), "utf8"))
const adminValidator = OpenApi.fromDocument(shippedDoc, "admin-spec")

const TestLayer = Layer.mergeAll(
  Emulator.layer({ processing: Emulator.immediate, strict: true }),
  NodeHttpClient.layer
)

const admin = Effect.flatMap(Emulator.Emulator, (e) => AdminClient.make(e.url))

/** Calls an admin route raw and checks the answer against the shipped admin OpenAPI document. */
const checked = (method: "GET" | "POST" | "DELETE", path: string, json?: unknown) =>
  Effect.gen(function*() {
    const res = yield* call(method, path, { token: null, ...(json === undefined ? {} : { json }) })
    const v = adminValidator.validate({
      method,
      path: path.split("?")[0]!,
      status: res.status,
      contentType: res.headers["content-type"] ?? "",
      body: res.json
    })
    assert.isTrue(v.checked, `${method} ${path} is in the admin spec`)
    assert.deepStrictEqual(v.violations, [], `${method} ${path}`)
    return res
  })

/** INITs a `tweet_video` upload of `video` through the v2 dedicated endpoint; returns its media id. */
const initVideo = (video: Uint8Array) =>
  call("POST", "/2/media/upload/initialize", {
    json: { media_type: "video/mp4", total_bytes: video.length, media_category: "tweet_video" }
  }).pipe(Effect.map((init) => String(at(init.json, "data", "id"))))

layer(TestLayer)("admin API", (it) => {
  it.effect("the shipped admin OpenAPI document is the one generated from the Schemas", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(shippedDoc, JSON.parse(JSON.stringify(document(VERSION))))
      const served = yield* call("GET", "/_emulator/openapi.json", { token: null })
      assert.strictEqual(served.status, 200)
      assert.deepStrictEqual(served.json, shippedDoc)
    }))

  it.effect("health, media, posts, requests and faults answer as the admin spec says, with x-emulator", () =>
    Effect.gen(function*() {
      const client = yield* admin
      yield* client.reset
      const health = yield* checked("GET", "/_emulator/health")
      assert.strictEqual(health.headers["x-emulator"], `xmedia/${VERSION}`)
      assert.strictEqual((yield* client.health).status, "ok")
      const png = fixture("sample.png")
      const { id } = yield* uploadChunked(png, "image/png", "tweet_image", 100)
      yield* checked("GET", `/_emulator/media/${id}`)
      yield* checked("GET", "/_emulator/media")
      yield* checked("GET", "/_emulator/media/999")
      yield* checked("GET", "/_emulator/posts")
      yield* checked("GET", "/_emulator/requests?limit=3")
      const badQuery = yield* checked("GET", "/_emulator/requests?limit=x")
      assert.strictEqual(badQuery.status, 400)
      assert.strictEqual(badQuery.headers["content-type"], "application/problem+json")
      yield* checked("GET", "/_emulator/faults")
      yield* checked("POST", "/_emulator/faults", { rules: [{ id: "x", match: { operation: "users.me" }, fault: { kind: "hang" } }] })
      yield* checked("POST", "/_emulator/faults", { rules: [{ fault: { kind: "nope" } }] })
      yield* checked("DELETE", "/_emulator/faults/x")
      yield* checked("DELETE", "/_emulator/faults/x")
      yield* checked("POST", "/_emulator/processing", { mode: { _tag: "polls", polls: 2 }, category: "tweet_video" })
      yield* checked("POST", "/_emulator/processing", { mode: { _tag: "immediate" }, category: "tweet_video" })
      yield* checked("DELETE", "/_emulator/faults")
    }))

  it.effect("shows a media item's owner, bytes, sha256 and processing; by id or media key", () =>
    Effect.gen(function*() {
      const client = yield* admin
      const png = fixture("sample.png")
      const { id } = yield* uploadChunked(png, "image/png", "tweet_image", 100)
      const view = yield* client.media(id)
      assert.strictEqual(view.ownerId, DEV_USER)
      assert.strictEqual(view.category, "tweet_image")
      assert.strictEqual(view.mediaType, "image/png")
      assert.strictEqual(view.bytesReceived, png.length)
      assert.strictEqual(view.totalBytes, png.length)
      assert.strictEqual(view.sha256, sha(png))
      assert.isTrue(view.finalized)
      assert.isFalse(view.expired)
      assert.strictEqual(Object.keys(view.segments).length, Math.ceil(png.length / 100))
      assert.deepStrictEqual(yield* client.media(view.mediaKey), view)
      const missing = yield* Effect.either(client.media("1234"))
      assert.isTrue(Either.isLeft(missing))
      if (Either.isLeft(missing)) {
        assert.strictEqual(missing.left.status, 404)
        assert.include(missing.left.message, "no media with id or key 1234")
      }
      assert.isTrue((yield* client.listMedia).some((m) => m.id === id))
    }))

  it.effect("a reset after commit stores the post, loses the response, and is journaled", () =>
    Effect.gen(function*() {
      const client = yield* admin
      yield* client.reset
      const listed = yield* client.addFaults([
        { id: "lost", match: { operation: "posts.create", method: "POST" }, count: 1, fault: { kind: "resetAfterCommit" } }
      ], { seed: 7 })
      assert.strictEqual(listed.seed, 7)
      assert.deepStrictEqual(listed.rules.map((r) => [r.id, r.fired]), [["lost", 0]])
      const lost = yield* Effect.either(call("POST", "/2/tweets", { json: { text: "hello once" } }))
      assert.isTrue(Either.isLeft(lost), "the client sees a transport failure")
      const posts = yield* client.posts
      assert.deepStrictEqual(posts.map((p) => p.text), ["hello once"])
      assert.strictEqual((yield* client.faults).rules[0]!.fired, 1)
      const journal = yield* client.requests({ operation: "posts.create" })
      assert.strictEqual(journal.length, 1)
      assert.strictEqual(journal[0]!.fault, "lost:resetAfterCommit")
      assert.strictEqual(journal[0]!.userId, DEV_USER)
      // The journal never carries secrets.
      const all = yield* client.requests({ includeAdmin: true })
      assert.notInclude(JSON.stringify(all), DEV_TOKEN)
      // The rule is spent: the next post answers.
      const next = yield* call("POST", "/2/tweets", { json: { text: "second" } })
      assert.strictEqual(next.status, 201)
    }))

  it.effect("injects X's error bodies, then removes and clears rules", () =>
    Effect.gen(function*() {
      const client = yield* admin
      yield* client.reset
      yield* client.addFaults([
        { id: "me-503", match: { operation: "users.me" }, count: 1, fault: { kind: "status", status: 503 } },
        { id: "me-429", match: { operation: "users.me" }, count: 1, fault: { kind: "rateLimit", resetAfterSeconds: 60 } }
      ])
      const first = yield* call("GET", "/2/users/me")
      assert.strictEqual(first.status, 503)
      assert.deepStrictEqual(first.json, { title: "Service Unavailable", detail: "Service Unavailable", type: "about:blank", status: 503 })
      const second = yield* call("GET", "/2/users/me")
      assert.strictEqual(second.status, 429)
      assert.strictEqual(second.headers["x-rate-limit-remaining"], "0")
      assert.strictEqual((yield* call("GET", "/2/users/me")).status, 200)
      yield* client.addFaults([{ id: "again", fault: { kind: "status", status: 500 } }])
      yield* client.removeFault("again")
      assert.strictEqual((yield* call("GET", "/2/users/me")).status, 200)
      const gone = yield* Effect.either(client.removeFault("again"))
      assert.isTrue(Either.isLeft(gone) && gone.left.status === 404)
      const bad = yield* Effect.either(client.addFaults([{ fault: { kind: "status", status: 200 } }]))
      assert.isTrue(Either.isLeft(bad))
      yield* client.addFaults([{ fault: { kind: "hang" } }])
      yield* client.clearFaults
      assert.deepStrictEqual((yield* client.faults).rules, [])
    }))

  it.effect("fails a media's processing and expires another on demand", () =>
    Effect.gen(function*() {
      const client = yield* admin
      yield* client.reset
      const video = fixture("sample.mp4")
      const id = yield* initVideo(video)
      yield* client.addFaults([
        { match: { mediaId: id }, count: 1, fault: { kind: "processingFailure", code: 3, name: "UnsupportedMedia", message: "Video too long" } }
      ])
      const append = yield* call("POST", `/2/media/upload/${id}/append`, {
        form: [["segment_index", "0"], ["media", { bytes: video }]]
      })
      assert.strictEqual(append.status, 200)
      yield* call("POST", `/2/media/upload/${id}/finalize`)
      const status = yield* call("GET", `/2/media/upload?command=STATUS&media_id=${id}`)
      assert.strictEqual(status.status, 200, status.text)
      assert.strictEqual(at(status.json, "data", "processing_info", "state"), "failed")
      assert.deepStrictEqual(at(status.json, "data", "processing_info", "error"), { code: 3, name: "UnsupportedMedia", message: "Video too long" })
      const view = yield* client.media(id)
      assert.strictEqual(view.processing?.outcome.state, "failed")

      const other = yield* call("POST", "/2/media/upload/initialize", { json: { media_type: "image/png", total_bytes: 10 } })
      const otherId = String(at(other.json, "data", "id"))
      yield* client.addFaults([{ match: { mediaId: otherId }, count: 1, fault: { kind: "expireMedia" } }])
      const refused = yield* call("POST", `/2/media/upload/${otherId}/append`, {
        form: [["segment_index", "0"], ["media", { bytes: new Uint8Array(10) }]]
      })
      assert.strictEqual(refused.status, 400)
      assert.isTrue((yield* client.media(otherId)).expired)
    }))

  it.effect("sets processing per media id", () =>
    Effect.gen(function*() {
      const client = yield* admin
      yield* client.reset
      const video = fixture("sample.mp4")
      const id = yield* initVideo(video)
      yield* client.setProcessing({ mediaId: id, mode: { _tag: "polls", polls: 3 } })
      yield* call("POST", `/2/media/upload/${id}/append`, { form: [["segment_index", "0"], ["media", { bytes: video }]] })
      const fin = yield* call("POST", `/2/media/upload/${id}/finalize`)
      assert.strictEqual(at(fin.json, "data", "processing_info", "state"), "pending")
      assert.deepStrictEqual((yield* client.media(id)).processing?.mode, { _tag: "polls", polls: 3 })
      const bad = yield* Effect.either(client.setProcessing({ mediaId: id, category: "tweet_video", mode: { _tag: "immediate" } }))
      assert.isTrue(Either.isLeft(bad) && bad.left.status === 400)
    }))

  it.effect("reset clears state, faults, rate windows and the journal in one call", () =>
    Effect.gen(function*() {
      const client = yield* admin
      yield* call("POST", "/2/tweets", { json: { text: "before reset" } })
      yield* client.addFaults([{ match: { operation: "nothing" }, fault: { kind: "hang" } }])
      const before = yield* call("GET", "/2/users/me")
      const limit = Number(before.headers["x-rate-limit-limit"])
      assert.isBelow(Number(before.headers["x-rate-limit-remaining"]), limit)
      yield* client.reset
      assert.deepStrictEqual(yield* client.posts, [])
      assert.deepStrictEqual(yield* client.listMedia, [])
      assert.deepStrictEqual((yield* client.faults).rules, [])
      assert.deepStrictEqual(yield* client.requests(), [])
      const after = yield* call("GET", "/2/users/me")
      assert.strictEqual(Number(after.headers["x-rate-limit-remaining"]), limit - 1)
      const health = yield* client.health
      assert.deepStrictEqual([health.media, health.posts, health.faults], [0, 0, 0])
    }))
})
