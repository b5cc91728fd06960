import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Option, Schema, TestClock } from "effect"
import * as Faults from "../src/internal/faults.js"

const subject = (overrides: Partial<Faults.FaultSubject> = {}): Faults.FaultSubject => ({
  operation: "media.append",
  route: "/2/media/upload/:id/append",
  path: "/2/media/upload/1880028106020515840/append",
  method: "POST",
  api: "v2",
  userId: "1000000000000000001",
  mediaId: "1880028106020515840",
  ...overrides
})

const decode = Schema.decodeUnknownSync(Faults.FaultRule)
const kindOf = (o: Option.Option<Faults.Applied>) => Option.map(o, (a) => a.action.kind).pipe(Option.getOrUndefined)

describe("faults engine", () => {
  it.effect("picks the first rule that fires, in order", () =>
    Effect.gen(function*() {
      const engine = yield* Faults.make()
      yield* engine.add([
        decode({ match: { operation: "posts.create" }, fault: { kind: "status", status: 500 } }),
        decode({ match: { route: "/2/media/upload/*" }, fault: { kind: "status", status: 503 } }),
        decode({ match: { method: "post" }, fault: { kind: "hang" } })
      ])
      const first = yield* engine.decide(subject())
      assert.strictEqual(Option.getOrThrow(first).ruleId, "fault-2")
      assert.strictEqual(kindOf(yield* engine.decide(subject({ operation: "posts.create", route: "/2/tweets", path: "/2/tweets" }))), "status")
      assert.strictEqual(kindOf(yield* engine.decide(subject({ route: "/2/tweets", path: "/2/tweets" }))), "hang")
      assert.isTrue(Option.isNone(yield* engine.decide(subject({ method: "GET", route: "/2/users/me", path: "/2/users/me" }))))
    }))

  it.effect("matches on user, media id, surface and the concrete path", () =>
    Effect.gen(function*() {
      const engine = yield* Faults.make()
      yield* engine.add([
        decode({ match: { userId: "2", mediaId: "77" }, fault: { kind: "resetBeforeHandler" } }),
        decode({ match: { api: "v1.1" }, fault: { kind: "status", status: 503 } }),
        decode({ match: { route: "/2/media/upload/1880028106020515840/append" }, fault: { kind: "resetAfterCommit" } })
      ])
      assert.strictEqual(kindOf(yield* engine.decide(subject({ userId: "2", mediaId: "77" }))), "resetBeforeHandler")
      assert.strictEqual(kindOf(yield* engine.decide(subject({ userId: "2", mediaId: "78", api: "v1.1" }))), "status")
      assert.strictEqual(kindOf(yield* engine.decide(subject())), "resetAfterCommit")
      assert.isTrue(Option.isNone(yield* engine.decide(subject({ path: "/2/media/upload/9/append" }))))
    }))

  it.effect("honours count and after, and lets later rules fire while one is skipped", () =>
    Effect.gen(function*() {
      const engine = yield* Faults.make()
      yield* engine.add([
        decode({ id: "third-only", after: 2, count: 1, fault: { kind: "status", status: 500 } }),
        decode({ id: "always", fault: { kind: "latency", ms: 5 } })
      ])
      const seen: Array<string | undefined> = []
      for (let i = 0; i < 5; i++) seen.push(Option.getOrUndefined(yield* engine.decide(subject()))?.ruleId)
      assert.deepStrictEqual(seen, ["always", "always", "third-only", "always", "always"])
      const views = yield* engine.list
      assert.deepStrictEqual(views.map((v) => [v.id, v.matched, v.fired]), [["third-only", 3, 1], ["always", 4, 4]])
    }))

  it.effect("retires a rule after its TTL on the clock", () =>
    Effect.gen(function*() {
      const engine = yield* Faults.make()
      yield* engine.add([decode({ ttlMs: 1000, fault: { kind: "hang" } })])
      assert.strictEqual(kindOf(yield* engine.decide(subject())), "hang")
      yield* TestClock.adjust("999 millis")
      assert.strictEqual(kindOf(yield* engine.decide(subject())), "hang")
      yield* TestClock.adjust("1 millis")
      assert.isTrue(Option.isNone(yield* engine.decide(subject())))
      assert.deepStrictEqual(yield* engine.list, [])
    }))

  it.effect("draws probability from a seeded PRNG: same seed, same faults", () =>
    Effect.gen(function*() {
      const run = (seed: number) =>
        Effect.gen(function*() {
          const engine = yield* Faults.make({ seed, rules: [decode({ probability: 0.3, fault: { kind: "status", status: 503 } })] })
          const out: Array<boolean> = []
          for (let i = 0; i < 200; i++) out.push(Option.isSome(yield* engine.decide(subject())))
          return out
        })
      const a = yield* run(42)
      const b = yield* run(42)
      const c = yield* run(43)
      assert.deepStrictEqual(a, b)
      assert.notDeepEqual(a, c)
      const rate = a.filter(Boolean).length / a.length
      assert.isTrue(rate > 0.2 && rate < 0.4, `rate ${rate}`)
      // setSeed restarts the sequence.
      const engine = yield* Faults.make({ seed: 7, rules: [decode({ probability: 0.5, fault: { kind: "hang" } })] })
      const first: Array<boolean> = []
      for (let i = 0; i < 20; i++) first.push(Option.isSome(yield* engine.decide(subject())))
      yield* engine.setSeed(7)
      const again: Array<boolean> = []
      for (let i = 0; i < 20; i++) again.push(Option.isSome(yield* engine.decide(subject())))
      assert.deepStrictEqual(first, again)
      assert.strictEqual(yield* engine.seed, 7)
    }))

  it.effect("draws latency jitter deterministically within bounds", () =>
    Effect.gen(function*() {
      const delays = (seed: number) =>
        Effect.gen(function*() {
          const engine = yield* Faults.make({ seed, rules: [decode({ fault: { kind: "latency", ms: 100, jitterMs: 50 } })] })
          const out: Array<number> = []
          for (let i = 0; i < 50; i++) out.push(Option.getOrThrow(yield* engine.decide(subject())).delayMs!)
          return out
        })
      const a = yield* delays(9)
      assert.deepStrictEqual(a, yield* delays(9))
      assert.isTrue(a.every((d) => d >= 100 && d <= 150))
      assert.isTrue(new Set(a).size > 5)
    }))

  it.effect("keeps media-level faults out of request decisions and serves them to processing and state", () =>
    Effect.gen(function*() {
      const engine = yield* Faults.make()
      yield* engine.add([
        decode({ match: { mediaId: "42" }, count: 1, fault: { kind: "processingFailure", message: "boom" } }),
        decode({ match: { mediaId: "43" }, fault: { kind: "expireMedia" } })
      ])
      assert.isTrue(Option.isNone(yield* engine.decide(subject({ mediaId: "42" }))))
      assert.isTrue(Option.isNone(yield* engine.mediaFault("processingFailure", { mediaId: "41" })))
      const failure = Option.getOrThrow(yield* engine.mediaFault("processingFailure", { mediaId: "42" }))
      assert.strictEqual(failure.action.kind, "processingFailure")
      if (failure.action.kind === "processingFailure") {
        assert.deepStrictEqual(Faults.processingError(failure.action), { code: 1, name: "InvalidMedia", message: "boom" })
      }
      // count: 1 -> the second FINALIZE of the same id processes normally.
      assert.isTrue(Option.isNone(yield* engine.mediaFault("processingFailure", { mediaId: "42" })))
      assert.isTrue(Option.isSome(yield* engine.mediaFault("expireMedia", { mediaId: "43" })))
      assert.isTrue(Option.isNone(yield* engine.mediaFault("processingFailure", { mediaId: "43" })))
    }))

  it.effect("omitCheckAfterSecs is media-level; processingFailure's state picks failed or in_progress", () =>
    Effect.gen(function*() {
      const engine = yield* Faults.make()
      yield* engine.add([decode({ count: 1, fault: { kind: "omitCheckAfterSecs" } })])
      // never decided per request (it would be used up by the first request of any kind)
      assert.isTrue(Option.isNone(yield* engine.decide(subject())))
      assert.strictEqual(kindOf(yield* engine.mediaFault("omitCheckAfterSecs", { mediaId: "42" })), "omitCheckAfterSecs")
      assert.isTrue(Option.isNone(yield* engine.mediaFault("omitCheckAfterSecs", { mediaId: "42" })))
      const failure = (state?: string) => {
        const rule = decode({ fault: { kind: "processingFailure", code: 3, ...(state === undefined ? {} : { state }) } })
        return rule.fault.kind === "processingFailure" ? Faults.injectedFailure(rule.fault) : undefined
      }
      const error = { code: 3, name: "InvalidMedia", message: "Unsupported video format" }
      assert.deepStrictEqual(failure(), { state: "failed", error })
      assert.deepStrictEqual(failure("failed"), { state: "failed", error })
      assert.deepStrictEqual(failure("in_progress"), { state: "failed", error, reportedAs: "in_progress" })
      assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Faults.FaultRule)({ fault: { kind: "processingFailure", state: "pending" } })))
    }))

  it.effect("replaces a rule with the same id, removes, clears and resets", () =>
    Effect.gen(function*() {
      const engine = yield* Faults.make({ seed: 3 })
      yield* engine.add([decode({ id: "a", fault: { kind: "hang" } }), decode({ id: "b", fault: { kind: "hang" } })])
      yield* engine.add([decode({ id: "a", fault: { kind: "status", status: 502 } })])
      assert.deepStrictEqual((yield* engine.list).map((v) => [v.id, v.fault.kind]), [["a", "status"], ["b", "hang"]])
      assert.isTrue(yield* engine.remove("a"))
      assert.isFalse(yield* engine.remove("a"))
      yield* engine.clear
      assert.deepStrictEqual(yield* engine.list, [])
      yield* engine.add([decode({ fault: { kind: "hang" } })])
      yield* engine.setSeed(99)
      yield* engine.reset
      assert.deepStrictEqual(yield* engine.list, [])
      assert.strictEqual(yield* engine.seed, 3)
    }))

  it("validates rules from JSON and refuses nonsense", () => {
    const ok = decode({ match: { operation: "posts.create" }, probability: 0.5, count: 2, after: 1, ttlMs: 10, fault: { kind: "resetAfterRequestBytes", bytes: 65536 } })
    assert.deepStrictEqual(ok.match, { operation: "posts.create" })
    assert.deepStrictEqual(decode({ fault: { kind: "hang" } }).match, {})
    const bad = (input: unknown) => Either.isLeft(Schema.decodeUnknownEither(Faults.FaultRule)(input))
    assert.isTrue(bad({ probability: 2, fault: { kind: "hang" } }))
    assert.isTrue(bad({ fault: { kind: "status", status: 200 } }))
    assert.isTrue(bad({ fault: { kind: "explode" } }))
    assert.isTrue(bad({ count: -1, fault: { kind: "hang" } }))
  })

  it("builds X's error bodies for each surface", () => {
    assert.deepStrictEqual(Faults.defaultErrorBody(503, "v2"), {
      body: { title: "Service Unavailable", detail: "Service Unavailable", type: "about:blank", status: 503 },
      contentType: "application/problem+json"
    })
    assert.deepStrictEqual(Faults.defaultErrorBody(500, "v1.1").body, { errors: [{ code: 131, message: "Internal error" }] })
    assert.deepStrictEqual(Faults.defaultErrorBody(503, "v1.1").body, { errors: [{ code: 130, message: "Over capacity" }] })
    assert.deepStrictEqual(Faults.defaultErrorBody(429, "v1.1").body, { errors: [{ code: 88, message: "Rate limit exceeded" }] })
    const invalid = Faults.defaultErrorBody(400, "v2").body as { type: string }
    assert.strictEqual(invalid.type, "https://api.twitter.com/2/problems/invalid-request")
    assert.deepStrictEqual(Faults.usageCappedBody(), {
      title: "UsageCapExceeded",
      detail: "Usage cap exceeded: Monthly product cap",
      type: "https://api.twitter.com/2/problems/usage-capped",
      period: "Monthly",
      scope: "Product"
    })
  })
})
