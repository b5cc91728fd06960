import { assert, describe, it } from "@effect/vitest"
import { NodeTransport } from "@xmedia/node"
import { Chunk, Clock, Deferred, Duration, Effect, Fiber, Layer, TestClock } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { MediaUpload, Retry, Uploader, XClient } from "../src/index.js"
import { fixturePath, makeFakeX, provideFake } from "./UploaderFakeX.js"
import { fakeClient, makeFake, type Reply, userAuth } from "./utils/FakeHttp.js"

const ClockTypeId: Clock.ClockTypeId = Clock.ClockTypeId

/** Lets pending promise callbacks (response bodies) run; no timer is involved. */
const settle = Effect.promise(() =>
  new Promise<void>((resolve) => setImmediate(() => setImmediate(() => setImmediate(() => resolve()))))
).pipe(Effect.repeatN(3))

const ok: Reply = { status: 200, body: { data: { id: "1880028106020515840" } } }
const options = { requestTimeout: "10 seconds", retry: { default: Retry.none } } as const
const isTimeout = (e: { readonly _tag: string }) =>
  e._tag === "Transport" && "reason" in e && e.reason === "Timeout"

describe("request timeout", () => {
  it.effect("only the hung request times out; the one answered in time succeeds", () => {
    const fake = fakeClient((r) => (r.url.searchParams.get("media_id") === "1" ? { hang: true } : ok), options)
    return Effect.gen(function*() {
      const hung = yield* Effect.fork(Effect.flip(MediaUpload.status("1")))
      const answered = yield* MediaUpload.status("2")
      assert.strictEqual(answered.data.id, "1880028106020515840")
      yield* settle
      yield* TestClock.adjust("9 seconds")
      assert.isNull(hung.unsafePoll()) // not yet
      yield* TestClock.adjust("1 second")
      const e = yield* Fiber.join(hung)
      assert.isTrue(isTimeout(e), e._tag)
      assert.include(e.message, "MediaUpload.status")
      assert.strictEqual(fake.interrupted.count, 1) // the hung request was aborted, not left running
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("each attempt's deadline counts from its own start", () => {
    const fake = fakeClient(() => ({ hang: true }), options)
    return Effect.gen(function*() {
      const first = yield* Effect.fork(Effect.flip(MediaUpload.status("1")))
      yield* settle
      yield* TestClock.adjust("6 seconds")
      const second = yield* Effect.fork(Effect.flip(MediaUpload.status("2")))
      yield* settle
      yield* TestClock.adjust("4 seconds") // t = 10 s: the first is due, the second has 6 s left
      assert.isTrue(isTimeout(yield* Fiber.join(first)))
      assert.isNull(second.unsafePoll())
      yield* TestClock.adjust("6 seconds") // t = 16 s
      assert.isTrue(isTimeout(yield* Fiber.join(second)))
      assert.strictEqual(fake.interrupted.count, 2)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a body that stops half-way times out like no answer at all", () => {
    const fake = fakeClient(() => ({ stalledBody: 200 }), options)
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(MediaUpload.status("1")))
      yield* settle
      yield* TestClock.adjust("10 seconds")
      const e = yield* Fiber.join(fiber)
      assert.isTrue(isTimeout(e), e._tag)
    }).pipe(Effect.provide(fake.layer))
  })

  /** The live clock, counting the sleeps started and those in progress. */
  const countingClock = (live: Clock.Clock) => {
    const counts = { started: 0, sleeping: 0 }
    const clock: Clock.Clock = {
      [ClockTypeId]: ClockTypeId,
      unsafeCurrentTimeMillis: () => live.unsafeCurrentTimeMillis(),
      unsafeCurrentTimeNanos: () => live.unsafeCurrentTimeNanos(),
      currentTimeMillis: live.currentTimeMillis,
      currentTimeNanos: live.currentTimeNanos,
      sleep: (duration) =>
        Effect.suspend(() => {
          counts.started += 1
          counts.sleeping += 1
          return Effect.ensuring(live.sleep(duration), Effect.sync(() => (counts.sleeping -= 1)))
        })
    }
    return { clock, counts }
  }

  // an upload's requests follow one another with gaps where none is in flight (here one at a time: after every
  // request); the watcher keeps running through them instead of being stopped and started again in each gap
  it.live("an upload starts the watcher once, and leaves no sleep behind when it ends", () => {
    const fake = makeFakeX()
    return Effect.gen(function*() {
      const { clock, counts } = countingClock(yield* Effect.clock)
      const uploaded = yield* Uploader.uploadFile(fixturePath("sample.mp4"), { chunkSize: 5000, concurrency: 1 }).pipe(
        Effect.withClock(clock)
      )
      assert.strictEqual(uploaded.size, 24006)
      assert.strictEqual(fake.requests.length, 7) // INITIALIZE, 5 APPENDs, FINALIZE: six gaps between them
      assert.strictEqual(counts.started, 1)
      yield* settle
      assert.strictEqual(counts.sleeping, 0)
    }).pipe(provideFake(fake))
  })

  // a clock that counts the sleeps in progress (a sleep left behind would be a timer holding the process open)
  it.live("no sleep is left once nothing is in flight", () => {
    const fake = fakeClient((r) => (r.url.searchParams.get("media_id") === "1" ? { hang: true } : ok), {
      ...options,
      requestTimeout: "10 minutes"
    })
    return Effect.gen(function*() {
      const { clock, counts } = countingClock(yield* Effect.clock)
      yield* Effect.gen(function*() {
        yield* MediaUpload.status("2")
        yield* settle
        assert.strictEqual(counts.sleeping, 0)
        const hung = yield* Effect.fork(MediaUpload.status("1"))
        yield* settle
        assert.strictEqual(counts.sleeping, 1) // the watcher, due in 10 minutes
        yield* Fiber.interrupt(hung) // the caller goes away
        assert.strictEqual(fake.interrupted.count, 1)
        yield* settle
        assert.strictEqual(counts.sleeping, 0)
      }).pipe(Effect.withClock(clock))
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a caller that goes away waits until its request is torn down", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const fake = fakeClient(() => ({ hang: true, teardown: Deferred.await(release) }), options)
      yield* Effect.gen(function*() {
        const hung = yield* Effect.fork(MediaUpload.status("1"))
        yield* settle
        const leaving = yield* Effect.fork(Fiber.interrupt(hung))
        yield* settle
        assert.isNull(leaving.unsafePoll()) // the request is still being torn down
        assert.strictEqual(fake.interrupted.count, 0)
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(leaving)
        assert.strictEqual(fake.interrupted.count, 1)
      }).pipe(Effect.provide(fake.layer))
    }))

  it.effect("an infinite timeout never times out and runs no watcher", () => {
    const fake = fakeClient(() => ({ hang: true }), { ...options, requestTimeout: Duration.infinity })
    return Effect.gen(function*() {
      const hung = yield* Effect.fork(MediaUpload.status("1"))
      yield* settle
      assert.deepStrictEqual(Chunk.toReadonlyArray(yield* TestClock.sleeps()), [])
      yield* TestClock.adjust("1 day")
      assert.isNull(hung.unsafePoll())
      yield* Fiber.interrupt(hung)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a requestTimeout that is not a positive duration fails every call with InvalidInput, sending nothing", () =>
    Effect.gen(function*() {
      for (const requestTimeout of [0, -1, Number.NaN, "-5 seconds", "0 millis", "soon"] as const) {
        const fake = fakeClient(() => ok, { ...options, requestTimeout: requestTimeout as Duration.DurationInput })
        const error = yield* Effect.flip(MediaUpload.status("1").pipe(Effect.provide(fake.layer)))
        assert.strictEqual(error._tag, "InvalidInput", String(requestTimeout))
        if (error._tag !== "InvalidInput") continue
        assert.strictEqual(error.field, "requestTimeout")
        assert.include(error.message, "positive duration")
        assert.strictEqual(fake.requests.length, 0)
      }
    }))

  it.effect("a transport that offers TransportDeadlines enforces the timeout: no fiber per attempt, no watcher", () => {
    const plain = makeFake(() => ok)
    const timed = makeFake((r) => (r.url.searchParams.get("media_id") === "1" ? { hang: true } : ok))
    const asked: Array<number> = []
    const deadlines = Layer.succeed(XClient.TransportDeadlines, {
      withTimeout: (timeoutMs) => {
        asked.push(timeoutMs)
        return timed.client
      }
    })
    const layer = (requestTimeout: Duration.DurationInput) =>
      XClient.layer({ auth: userAuth(), baseUrl: "https://api.x.com", ...options, requestTimeout }).pipe(
        Layer.provide(Layer.merge(plain.httpLayer, deadlines))
      )
    return Effect.gen(function*() {
      yield* Effect.gen(function*() {
        assert.isTrue((yield* XClient.XClient).requestTimeoutByTransport)
        assert.deepStrictEqual(asked, [10_000])
        assert.strictEqual((yield* MediaUpload.status("2")).data.id, "1880028106020515840")
        const hung = yield* Effect.fork(MediaUpload.status("1"))
        yield* settle
        // the transport's client carries the request, and the pipeline set no timer of its own
        assert.strictEqual(timed.requests.length, 2)
        assert.strictEqual(plain.requests.length, 0)
        assert.deepStrictEqual(Chunk.toReadonlyArray(yield* TestClock.sleeps()), [])
        yield* TestClock.adjust("1 hour")
        assert.isNull(hung.unsafePoll())
        yield* Fiber.interrupt(hung)
        assert.strictEqual(timed.interrupted.count, 1)
      }).pipe(Effect.provide(layer("10 seconds")))
      // an infinite timeout asks the transport for nothing
      yield* Effect.gen(function*() {
        assert.isFalse((yield* XClient.XClient).requestTimeoutByTransport)
        yield* MediaUpload.status("2")
        assert.strictEqual(plain.requests.length, 1)
      }).pipe(Effect.provide(layer(Duration.infinity)))
      assert.deepStrictEqual(asked, [10_000])
    })
  })

  // a real socket and the Node transport's own timer: real milliseconds (150 per request)
  it.live("over NodeTransport, a hung request and a stalled body are Transport { reason: Timeout, sent: true }", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(
        Effect.async<Http.Server>((resume) => {
          // media_id 1: never answers; 2: answers its headers and half its body, then nothing
          const s = Http.createServer((req, res) => {
            if (req.url?.includes("media_id=2")) {
              res.writeHead(200, { "content-type": "application/json", "content-length": 100 })
              res.write("{\"data\":")
            }
          })
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.async<void>((resume) => {
          s.closeAllConnections()
          s.close(() => resume(Effect.void))
        })
      )
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      yield* Effect.gen(function*() {
        // core found the transport's deadlines by their key (the two packages do not import each other)
        assert.isTrue((yield* XClient.XClient).requestTimeoutByTransport)
        for (const id of ["1", "2"]) {
          const error = yield* Effect.flip(MediaUpload.status(id))
          assert.isTrue(isTimeout(error), `media_id ${id}: ${error._tag} ${error.message}`)
          assert.isTrue(error._tag === "Transport" && error.sent)
          assert.include(error.message, "MediaUpload.status")
        }
      }).pipe(
        Effect.provide(
          XClient.layer({ auth: userAuth(), baseUrl, requestTimeout: "150 millis", retry: { default: Retry.none } })
            .pipe(Layer.provide(NodeTransport.layer()))
        )
      )
    }).pipe(Effect.scoped))
})

