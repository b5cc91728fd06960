/**
 * Fault injection through the running emulator: transport faults on APPEND, and seeded determinism.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { AdminClient, Emulator } from "../src/index.js"
import { at, call } from "./helpers.js"

const TestLayer = Layer.mergeAll(Emulator.layer({ processing: Emulator.immediate, faultsSeed: 42 }), NodeHttpClient.layer)
const admin = Effect.flatMap(Emulator.Emulator, (e) => AdminClient.make(e.url))

const initBinary = (total: number) =>
  Effect.map(
    call("POST", "/2/media/upload/initialize", { json: { media_type: "video/mp4", total_bytes: total, media_category: "tweet_video" } }),
    (r) => String(at(r.json, "data", "id"))
  )
const append = (id: string, index: number, bytes: Uint8Array) =>
  call("POST", `/2/media/upload/${id}/append`, { form: [["segment_index", String(index)], ["media", { bytes }]] })

layer(TestLayer)("faults through the emulator", (it) => {
  it.effect("a reset partway through an APPEND body stores nothing; a reset after commit stores the chunk", () =>
    Effect.gen(function*() {
      const client = yield* admin
      yield* client.reset
      const chunk = new Uint8Array(1024 * 1024).fill(7)
      const id = yield* initBinary(chunk.length * 2)
      yield* client.addFaults([
        { match: { operation: "media.append", mediaId: id }, count: 1, fault: { kind: "resetAfterRequestBytes", bytes: 64 * 1024 } }
      ])
      const cut = yield* Effect.either(append(id, 0, chunk))
      assert.isTrue(Either.isLeft(cut), "the client sees the connection reset")
      assert.strictEqual((yield* client.media(id)).bytesReceived, 0)

      yield* client.addFaults([{ match: { operation: "media.append", mediaId: id }, count: 1, fault: { kind: "resetAfterCommit" } }])
      const lost = yield* Effect.either(append(id, 0, chunk))
      assert.isTrue(Either.isLeft(lost))
      assert.strictEqual((yield* client.media(id)).bytesReceived, chunk.length, "the chunk was stored")

      // Re-sending index 0 overwrites it; the upload completes.
      assert.strictEqual((yield* append(id, 0, chunk)).status, 200)
      assert.strictEqual((yield* append(id, 1, chunk)).status, 200)
      assert.strictEqual((yield* client.media(id)).bytesReceived, chunk.length * 2)
      // The journal shows the lost APPEND with its fault (the cut one may still be finishing server-side).
      const journal = yield* client.requests({ operation: "media.append" })
      const faulted = journal.filter((e) => e.fault !== undefined).map((e) => e.fault!.split(":")[1])
      assert.include(faulted, "resetAfterCommit")
      assert.deepStrictEqual(journal.slice(-2).map((e) => [e.status, e.fault]), [[200, undefined], [200, undefined]])
      assert.deepStrictEqual((yield* client.faults).rules.map((r) => [r.fault.kind, r.fired]), [
        ["resetAfterRequestBytes", 1],
        ["resetAfterCommit", 1]
      ])
    }))

  it.effect("an injected 503 on APPEND leaves the keep-alive connection usable: the retry's body arrives whole", () =>
    Effect.gen(function*() {
      const client = yield* admin
      yield* client.reset
      for (const size of [100, 70_000, 1024 * 1024]) {
        const chunk = new Uint8Array(size).fill(1)
        const id = yield* initBinary(size)
        yield* client.addFaults([{ match: { operation: "media.append" }, count: 2, fault: { kind: "status", status: 503 } }])
        assert.strictEqual((yield* append(id, 0, chunk)).status, 503)
        assert.strictEqual((yield* append(id, 0, chunk)).status, 503)
        const retry = yield* append(id, 0, chunk)
        assert.strictEqual(retry.status, 200, `${size}: ${retry.text}`)
        assert.strictEqual((yield* client.media(id)).bytesReceived, size)
      }
    }))

  it.effect("a truncated response: full content-length, short body", () =>
    Effect.gen(function*() {
      const client = yield* admin
      yield* client.reset
      yield* client.addFaults([{ match: { operation: "users.me" }, count: 1, fault: { kind: "truncateResponse", bytes: 5 } }])
      const truncated = yield* Effect.either(call("GET", "/2/users/me"))
      assert.isTrue(Either.isLeft(truncated))
      assert.strictEqual((yield* call("GET", "/2/users/me")).status, 200)
    }))

  it.effect("probability faults replay exactly under the same seed", () =>
    Effect.gen(function*() {
      const client = yield* admin
      const run = Effect.gen(function*() {
        yield* client.reset
        yield* client.addFaults([{ match: { operation: "users.me" }, probability: 0.5, fault: { kind: "status", status: 503 } }])
        const statuses: Array<number> = []
        for (let i = 0; i < 24; i++) statuses.push((yield* call("GET", "/2/users/me")).status)
        return statuses
      })
      const first = yield* run
      const second = yield* run
      assert.deepStrictEqual(first, second)
      assert.isTrue(first.includes(503) && first.includes(200))
      assert.strictEqual((yield* client.faults).seed, 42)
    }))
})
