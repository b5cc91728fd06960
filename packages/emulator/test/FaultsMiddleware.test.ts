import { HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Ref, Schema } from "effect"
import * as Http from "node:http"
import * as Faults from "../src/internal/faults.js"
import * as FaultsMiddleware from "../src/internal/faultsMiddleware.js"

/** What a raw Node client saw. */
interface Seen {
  readonly status?: number
  readonly headers?: Http.IncomingHttpHeaders
  readonly body: string
  readonly error?: string
}

/** A plain node:http request (no retries; no pooling unless an agent is given), so resets and truncation are observed as they are. */
const request = (port: number, method: string, path: string, body?: Uint8Array | string, timeoutMs = 5000, agent: Http.Agent | false = false) =>
  Effect.async<Seen>((resume) => {
    let status: number | undefined
    let headers: Http.IncomingHttpHeaders | undefined
    let received = ""
    let done = false
    const finish = (error?: string) => {
      if (done) return
      done = true
      resume(Effect.succeed({ ...(status === undefined ? {} : { status }), ...(headers === undefined ? {} : { headers }), body: received, ...(error === undefined ? {} : { error }) }))
    }
    const req = Http.request({ host: "127.0.0.1", port, method, path, agent, timeout: timeoutMs }, (res) => {
      status = res.statusCode
      headers = res.headers
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => (received += chunk))
      res.on("end", () => finish(res.complete ? undefined : "incomplete"))
      res.on("aborted", () => finish("aborted"))
      res.on("error", (e: NodeJS.ErrnoException) => finish(e.code ?? e.message))
    })
    req.on("timeout", () => {
      req.destroy(new Error("timeout"))
    })
    req.on("error", (e: NodeJS.ErrnoException) => finish(e.code ?? e.message))
    if (body !== undefined) req.setHeader("content-length", String(typeof body === "string" ? Buffer.byteLength(body) : body.length))
    req.end(body)
    return Effect.sync(() => req.destroy())
  })

/** A tiny app: POST /2/tweets commits (counts) after reading the body; GET /2/users/me answers. */
const makeApp = (commits: Ref.Ref<number>, bodies: Ref.Ref<number>) =>
  Effect.gen(function*() {
    const req = yield* HttpServerRequest.HttpServerRequest
    if (req.method === "POST") {
      const bytes = yield* Effect.orDie(req.arrayBuffer)
      yield* Ref.update(bodies, (n) => n + bytes.byteLength)
      const n = yield* Ref.updateAndGet(commits, (c) => c + 1)
      return yield* HttpServerResponse.json({ data: { id: String(n), text: "x".repeat(2000) } }, { status: 201 })
    }
    return HttpServerResponse.text(JSON.stringify({ data: { id: "1", username: "xmedia_dev" } }), { contentType: "application/json" })
  })

const setup = Effect.gen(function*() {
  const commits = yield* Ref.make(0)
  const bodies = yield* Ref.make(0)
  const engine = yield* Faults.make({ seed: 5 })
  const context = yield* Layer.build(NodeHttpServer.layer(() => Http.createServer(), { port: 0, host: "127.0.0.1" }))
  const server = yield* Effect.provide(HttpServer.HttpServer, context)
  yield* HttpServer.serveEffect(FaultsMiddleware.middleware(makeApp(commits, bodies))).pipe(
    Effect.provide(context),
    Effect.provideService(Faults.Faults, engine)
  )
  const port = server.address._tag === "TcpAddress" ? server.address.port : 0
  const add = (rule: Faults.FaultRuleInput) => engine.add([Schema.decodeUnknownSync(Faults.FaultRule)(rule)])
  return { port, commits, bodies, engine, add }
})

describe("faults middleware over real HTTP", () => {
  it.scopedLive("answers with X's status body instead of running the handler", () =>
    Effect.gen(function*() {
      const { add, commits, port } = yield* setup
      yield* add({ match: { method: "POST" }, count: 1, fault: { kind: "status", status: 503 } })
      const seen = yield* request(port, "POST", "/2/tweets", "{}")
      assert.strictEqual(seen.status, 503)
      assert.strictEqual(seen.headers?.["content-type"], "application/problem+json")
      assert.deepStrictEqual(JSON.parse(seen.body), { title: "Service Unavailable", detail: "Service Unavailable", type: "about:blank", status: 503 })
      assert.strictEqual(yield* Ref.get(commits), 0)
      const v1 = yield* add({ match: { api: "v1.1" }, count: 1, fault: { kind: "status", status: 500 } }).pipe(
        Effect.zipRight(request(port, "GET", "/1.1/media/upload.json?command=STATUS&media_id=1"))
      )
      assert.strictEqual(v1.status, 500)
      assert.deepStrictEqual(JSON.parse(v1.body), { errors: [{ code: 131, message: "Internal error" }] })
      const custom = yield* add({ count: 1, fault: { kind: "status", status: 403, body: { errors: [{ code: 326, message: "locked" }] }, contentType: "application/json" } }).pipe(
        Effect.zipRight(request(port, "GET", "/2/users/me"))
      )
      assert.strictEqual(custom.status, 403)
      assert.deepStrictEqual(JSON.parse(custom.body), { errors: [{ code: 326, message: "locked" }] })
      const after = yield* request(port, "POST", "/2/tweets", "{}")
      assert.strictEqual(after.status, 201)
    }))

  it.scopedLive("sends a 429 with a reset header, and X's usage-capped body", () =>
    Effect.gen(function*() {
      const { add, port } = yield* setup
      yield* add({ count: 1, fault: { kind: "rateLimit", resetAfterSeconds: 30 } })
      const before = Math.floor(Date.now() / 1000)
      const seen = yield* request(port, "GET", "/2/users/me")
      const after = Math.ceil(Date.now() / 1000)
      assert.strictEqual(seen.status, 429)
      assert.strictEqual(seen.headers?.["x-rate-limit-remaining"], "0")
      const reset = Number(seen.headers?.["x-rate-limit-reset"])
      // 30 s after the moment the emulator answered, which lies between `before` and `after` (however slow the machine)
      assert.isTrue(reset >= before + 30 && reset <= after + 30, `reset ${reset}, asked at ${before}-${after}`)
      assert.deepStrictEqual(JSON.parse(seen.body), { title: "Too Many Requests", detail: "Too Many Requests", type: "about:blank", status: 429 })
      yield* add({ count: 1, fault: { kind: "usageCapped", period: "Daily", scope: "Account" } })
      const capped = yield* request(port, "GET", "/2/users/me")
      assert.strictEqual(capped.status, 429)
      assert.strictEqual(JSON.parse(capped.body).type, "https://api.twitter.com/2/problems/usage-capped")
    }))

  it.scopedLive("resets the connection before the handler: nothing is committed, and the server keeps serving", () =>
    Effect.gen(function*() {
      const { add, commits, port } = yield* setup
      yield* add({ count: 1, fault: { kind: "resetBeforeHandler" } })
      const seen = yield* request(port, "POST", "/2/tweets", "{}")
      assert.isDefined(seen.error)
      assert.isUndefined(seen.status)
      assert.strictEqual(yield* Ref.get(commits), 0)
      const next = yield* request(port, "POST", "/2/tweets", "{}")
      assert.strictEqual(next.status, 201)
      assert.strictEqual(yield* Ref.get(commits), 1)
    }))

  it.scopedLive("resets after commit: the side effect happened, the response is lost", () =>
    Effect.gen(function*() {
      const { add, commits, engine, port } = yield* setup
      yield* add({ id: "lost-post", match: { route: "/2/tweets", method: "POST" }, count: 1, fault: { kind: "resetAfterCommit" } })
      const seen = yield* request(port, "POST", "/2/tweets", "{\"text\":\"hi\"}")
      assert.isDefined(seen.error)
      assert.isUndefined(seen.status)
      assert.strictEqual(yield* Ref.get(commits), 1)
      const [rule] = yield* engine.list
      assert.strictEqual(rule!.fired, 1)
      const retry = yield* request(port, "POST", "/2/tweets", "{\"text\":\"hi\"}")
      assert.strictEqual(retry.status, 201)
      assert.strictEqual(JSON.parse(retry.body).data.id, "2")
    }))

  it.scopedLive("resets after N request bytes: a large body is cut off, a small one passes", () =>
    Effect.gen(function*() {
      const { add, bodies, commits, port } = yield* setup
      yield* add({ count: 1, fault: { kind: "resetAfterRequestBytes", bytes: 64 * 1024 } })
      const big = new Uint8Array(4 * 1024 * 1024)
      const seen = yield* request(port, "POST", "/2/media/upload/1/append", big)
      assert.isDefined(seen.error)
      assert.strictEqual(yield* Ref.get(commits), 0)
      assert.isTrue((yield* Ref.get(bodies)) === 0)
      yield* add({ count: 1, fault: { kind: "resetAfterRequestBytes", bytes: 64 * 1024 } })
      const small = yield* request(port, "POST", "/2/media/upload/1/append", new Uint8Array(1000))
      assert.strictEqual(small.status, 201)
      assert.strictEqual(yield* Ref.get(bodies), 1000)

      // On a kept-alive connection, the watch ends with its request: the next, larger body is not cut.
      const agent = new Http.Agent({ keepAlive: true, maxSockets: 1 })
      yield* add({ count: 1, fault: { kind: "resetAfterRequestBytes", bytes: 64 * 1024 } })
      const first = yield* request(port, "POST", "/2/media/upload/1/append", new Uint8Array(1000), 5000, agent)
      assert.strictEqual(first.status, 201)
      const second = yield* request(port, "POST", "/2/media/upload/1/append", big, 5000, agent)
      assert.strictEqual(second.status, 201, second.error)
      assert.strictEqual(yield* Ref.get(bodies), 2000 + big.length)
      agent.destroy()
    }))

  it.scopedLive("hangs until the client gives up, then keeps serving", () =>
    Effect.gen(function*() {
      const { add, port } = yield* setup
      yield* add({ count: 1, fault: { kind: "hang" } })
      const seen = yield* request(port, "GET", "/2/users/me", undefined, 300)
      assert.strictEqual(seen.error, "timeout")
      const next = yield* request(port, "GET", "/2/users/me")
      assert.strictEqual(next.status, 200)
    }))

  it.scopedLive("adds latency", () =>
    Effect.gen(function*() {
      const { add, port } = yield* setup
      yield* add({ count: 1, fault: { kind: "latency", ms: 150, jitterMs: 20 } })
      const start = Date.now()
      const seen = yield* request(port, "GET", "/2/users/me")
      const elapsed = Date.now() - start
      assert.strictEqual(seen.status, 200)
      assert.isTrue(elapsed >= 145, `elapsed ${elapsed}`)
    }))

  it.scopedLive("truncates the response: full content-length, part of the body, then a reset", () =>
    Effect.gen(function*() {
      const { add, commits, port } = yield* setup
      yield* add({ count: 1, fault: { kind: "truncateResponse", bytes: 100 } })
      const seen = yield* request(port, "POST", "/2/tweets", "{}")
      assert.strictEqual(seen.status, 201)
      assert.isDefined(seen.error)
      assert.isTrue(Number(seen.headers?.["content-length"]) > 2000)
      assert.strictEqual(seen.body.length, 100)
      assert.strictEqual(yield* Ref.get(commits), 1)
      const next = yield* request(port, "POST", "/2/tweets", "{}")
      assert.strictEqual(next.status, 201)
      assert.strictEqual(JSON.parse(next.body).data.id, "2")
    }))
})
