/**
 * NodeTransport against a real node:http server on 127.0.0.1: bodies sent byte-exact (in one piece when in memory,
 * piped when a Stream or FormData), responses read once and shared, failures mapped to the right HttpClientError,
 * interruption closing the connection, keep-alive reuse, and the client span `HttpClient.make` gives.
 */
import { Cookies, HttpBody, HttpClient, HttpClientRequest, HttpIncomingMessage, UrlParams } from "@effect/platform"
import { assert, layer, vi } from "@effect/vitest"
import { Chunk, Deferred, Effect, Exit, Fiber, Option, Stream, Tracer } from "effect"
import { randomBytes } from "node:crypto"
import type * as Http from "node:http"
import { NodeTransport } from "../src/index.js"
import { collect, type Echo, echo, parseMultipart, serve, sha256 } from "./server.js"

const KiB = 1024
const MiB = 1024 * KiB

const asEcho = (json: unknown): Echo => json as Echo

/**
 * Watches the timers set for `delay` ms while the scope is open: `set()` counts them and `pending()` those not
 * cleared yet (a deadline timer left behind). Only timers of this delay count, so the other timers of the process
 * (servers, agents, the test runner, which come and go on their own) cannot make a run pass or fail.
 */
const watchTimers = (delay: number) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const setSpy = vi.spyOn(globalThis, "setTimeout")
      const clearSpy = vi.spyOn(globalThis, "clearTimeout")
      const ours = () =>
        setSpy.mock.calls.flatMap((call, i) => call[1] === delay ? [setSpy.mock.results[i]?.value as unknown] : [])
      const pending = () => {
        const cleared = new Set(clearSpy.mock.calls.map((call) => call[0] as unknown))
        return ours().filter((timer) => !cleared.has(timer)).length
      }
      return { set: () => ours().length, pending, spies: [setSpy, clearSpy] as const }
    }),
    ({ spies }) => Effect.sync(() => spies.forEach((spy) => spy.mockRestore()))
  )

/** Sends `request` and reads the echo server's description of what it received. */
const sent = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(request)
    assert.strictEqual(response.status, 200)
    return asEcho(yield* response.json)
  })

/** Collects the errors that reach the process (uncaught exceptions, unhandled rejections) while the scope is open. */
const watchProcess = Effect.acquireRelease(
  Effect.sync(() => {
    const seen: Array<unknown> = []
    const record = (error: unknown) => void seen.push(error)
    process.on("uncaughtException", record)
    process.on("unhandledRejection", record)
    return { seen, record }
  }),
  ({ record }) =>
    Effect.sync(() => {
      process.off("uncaughtException", record)
      process.off("unhandledRejection", record)
    })
)

/**
 * A server that sends 1000 bytes of a 100000-byte body and waits; `closed` answers, when the connection closes,
 * whether the server had finished its response (false: the client closed it).
 */
const serveUnfinishedBody = Effect.gen(function*() {
  const closed = yield* Deferred.make<boolean>()
  const server = yield* serve((_req, res) => {
    res.on("close", () => Deferred.unsafeDone(closed, Exit.succeed(res.writableFinished)))
    res.writeHead(200, { "content-length": "100000" })
    res.write(Buffer.alloc(1000))
  })
  return { server, closed }
})

/** A span that remembers its attributes (for the tracing test). */
class RecordedSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId = randomBytes(8).toString("hex")
  readonly traceId: string
  readonly attributes = new Map<string, unknown>()
  readonly links: Array<Tracer.SpanLink>
  readonly sampled = true
  status: Tracer.SpanStatus
  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Tracer.Span["context"],
    links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind
  ) {
    this.traceId = Option.isSome(parent) ? parent.value.traceId : randomBytes(16).toString("hex")
    this.links = [...links]
    this.status = { _tag: "Started", startTime }
  }
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }
  attribute(key: string, value: unknown): void {
    this.attributes.set(key, value)
  }
  event(name: string, _startTime: bigint, attributes?: Record<string, unknown>): void {
    for (const key in attributes) this.attributes.set(`event.${name}.${key}`, attributes[key])
  }
  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    this.links.push(...links)
  }
}

const recordingTracer = () => {
  const spans: Array<RecordedSpan> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const span = new RecordedSpan(name, parent, context, links, startTime, kind)
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

layer(NodeTransport.layer())("NodeTransport", (it) => {
  it.scoped("GET: status, lower-case headers, json; then text and arrayBuffer of the same response (read once)", () =>
    Effect.gen(function*() {
      const body = JSON.stringify({ hello: "wörld", n: 1 })
      const server = yield* serve((_req, res) => {
        res.writeHead(200, {
          "Content-Type": "application/json; charset=utf-8",
          "Content-Length": Buffer.byteLength(body),
          "X-Custom-Header": "Value"
        })
        res.end(body)
      })
      const client = yield* HttpClient.HttpClient
      const response = yield* client.get(server.url("/json"))
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.headers["x-custom-header"], "Value")
      assert.strictEqual(response.headers["content-type"], "application/json; charset=utf-8")
      assert.strictEqual(response.headers["content-length"], String(Buffer.byteLength(body)))
      for (const name of Object.keys(response.headers)) assert.strictEqual(name, name.toLowerCase())

      assert.deepStrictEqual(yield* response.json, { hello: "wörld", n: 1 })
      assert.strictEqual(yield* response.text, body)
      const buffer = yield* response.arrayBuffer
      // exactly the body's bytes: not a view over a larger (pooled) buffer
      assert.strictEqual(buffer.byteLength, Buffer.byteLength(body))
      assert.strictEqual(Buffer.from(buffer).toString("utf8"), body)
      assert.strictEqual((yield* response.arrayBuffer).byteLength, Buffer.byteLength(body))
      // and `stream` after the body was read gives the same bytes (the socket has nothing more to give)
      const streamed = Buffer.concat(Chunk.toReadonlyArray(yield* Stream.runCollect(response.stream)))
      assert.strictEqual(streamed.toString("utf8"), body)

      // readers that arrive together share the one read
      const again = yield* client.get(server.url("/json"))
      const [text, json, bytes] = yield* Effect.all([again.text, again.json, again.arrayBuffer], {
        concurrency: "unbounded"
      })
      assert.strictEqual(text, body)
      assert.deepStrictEqual(json, { hello: "wörld", n: 1 })
      assert.strictEqual(bytes.byteLength, Buffer.byteLength(body))
    }))

  it.scoped("POST HttpBody.uint8Array (1 MiB): the exact bytes, content-length and content-type, not chunked", () =>
    Effect.gen(function*() {
      const server = yield* serve(echo)
      const bytes = new Uint8Array(randomBytes(MiB))
      const seen = yield* sent(
        HttpClientRequest.post(server.url("/upload")).pipe(
          HttpClientRequest.bodyUint8Array(bytes, "application/x-test-bytes")
        )
      )
      assert.strictEqual(seen.method, "POST")
      assert.strictEqual(seen.length, MiB)
      assert.strictEqual(seen.sha256, sha256(bytes))
      assert.strictEqual(seen.headers["content-length"], String(MiB))
      assert.strictEqual(seen.headers["content-type"], "application/x-test-bytes")
      assert.isUndefined(seen.headers["transfer-encoding"])
    }))

  it.scoped("empty POST and DELETE; text and raw (string, Buffer) bodies", () =>
    Effect.gen(function*() {
      const server = yield* serve(echo)
      const post = yield* sent(HttpClientRequest.post(server.url("/empty")))
      assert.deepStrictEqual([post.method, post.length, post.text], ["POST", 0, ""])
      assert.isUndefined(post.headers["transfer-encoding"])
      assert.isUndefined(post.headers["content-type"])

      const del = yield* sent(HttpClientRequest.del(server.url("/thing/1")))
      assert.deepStrictEqual([del.method, del.url, del.length], ["DELETE", "/thing/1", 0])
      assert.isUndefined(del.headers["transfer-encoding"])

      const text = yield* sent(
        HttpClientRequest.post(server.url("/text")).pipe(HttpClientRequest.bodyText("héllo ✓"))
      )
      assert.strictEqual(text.text, "héllo ✓")
      assert.strictEqual(text.headers["content-type"], "text/plain")
      assert.strictEqual(text.headers["content-length"], String(Buffer.byteLength("héllo ✓")))

      const rawText = "raw ✓ body"
      const raw = yield* sent(
        HttpClientRequest.put(server.url("/raw")).pipe(
          HttpClientRequest.setBody(
            HttpBody.raw(rawText, { contentType: "text/x-raw", contentLength: Buffer.byteLength(rawText) })
          )
        )
      )
      assert.deepStrictEqual([raw.method, raw.text, raw.headers["content-type"]], ["PUT", rawText, "text/x-raw"])
      assert.strictEqual(raw.headers["content-length"], String(Buffer.byteLength(rawText)))

      const rawBytes = randomBytes(3000)
      const rawBuffer = yield* sent(
        HttpClientRequest.post(server.url("/raw")).pipe(HttpClientRequest.setBody(HttpBody.raw(rawBytes)))
      )
      assert.strictEqual(rawBuffer.sha256, sha256(rawBytes))
    }))

  it.scoped("HttpBody.stream: the server receives the concatenation of the chunks", () =>
    Effect.gen(function*() {
      const server = yield* serve(echo)
      const chunks = [randomBytes(100), randomBytes(70 * KiB), randomBytes(1), randomBytes(300 * KiB)]
      const whole = Buffer.concat(chunks)
      const chunked = yield* sent(
        HttpClientRequest.post(server.url("/stream")).pipe(
          HttpClientRequest.bodyStream(Stream.fromIterable(chunks), { contentType: "application/x-stream" })
        )
      )
      assert.strictEqual(chunked.length, whole.length)
      assert.strictEqual(chunked.sha256, sha256(whole))
      assert.strictEqual(chunked.headers["content-type"], "application/x-stream")
      assert.strictEqual(chunked.headers["transfer-encoding"], "chunked")

      const sized = yield* sent(
        HttpClientRequest.post(server.url("/stream")).pipe(
          HttpClientRequest.bodyStream(Stream.fromIterable(chunks), { contentLength: whole.length })
        )
      )
      assert.strictEqual(sized.sha256, sha256(whole))
      assert.strictEqual(sized.headers["content-length"], String(whole.length))
      assert.isUndefined(sized.headers["transfer-encoding"])
    }))

  it.scoped("a Stream body that fails: RequestError Encode, and the half-sent request is dropped", () =>
    Effect.gen(function*() {
      const closed = yield* Deferred.make<boolean>()
      const server = yield* serve((req, res) => {
        res.on("close", () => Deferred.unsafeDone(closed, Exit.succeed(res.writableFinished)))
        req.resume()
      })
      const client = yield* HttpClient.HttpClient
      const error = yield* Effect.flip(
        client.execute(
          HttpClientRequest.post(server.url("/stream")).pipe(
            HttpClientRequest.bodyStream(Stream.concat(Stream.make(randomBytes(1000)), Stream.fail("no more bytes")))
          )
        )
      )
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error.reason, "Encode")
      assert.strictEqual(error.cause, "no more bytes")
      assert.isFalse(yield* Deferred.await(closed), "the server saw the connection close without a response")
    }))

  it.scoped("HttpBody.formData: multipart with the field and the file", () =>
    Effect.gen(function*() {
      const server = yield* serve((req, res) =>
        collect(req, (body) => {
          const parts = parseMultipart(req.headers["content-type"] ?? "", body).map((part) => ({
            name: part.name,
            filename: part.filename,
            contentType: part.contentType,
            sha256: sha256(part.body),
            text: part.body.length < 100 ? part.body.toString("utf8") : null
          }))
          res.writeHead(200, { "content-type": "application/json" })
          res.end(JSON.stringify({ contentType: req.headers["content-type"], parts }))
        })
      )
      const file = randomBytes(200 * KiB)
      const form = new FormData()
      form.append("caption", "hello form ✓")
      form.append("media", new Blob([file], { type: "video/mp4" }), "clip.mp4")
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(
        HttpClientRequest.post(server.url("/form")).pipe(HttpClientRequest.bodyFormData(form))
      )
      const seen = (yield* response.json) as {
        contentType: string
        parts: Array<
          { name: string; filename: string | null; contentType: string | null; sha256: string; text: string | null }
        >
      }
      assert.match(seen.contentType, /^multipart\/form-data; boundary=/)
      assert.deepStrictEqual(seen.parts, [
        {
          name: "caption",
          filename: null,
          contentType: null,
          sha256: sha256(Buffer.from("hello form ✓")),
          text: "hello form ✓"
        },
        { name: "media", filename: "clip.mp4", contentType: "video/mp4", sha256: sha256(file), text: null }
      ])
    }))

  it.scoped("response.stream yields the body's bytes (3 MiB written by the server in pieces)", () =>
    Effect.gen(function*() {
      const body = randomBytes(3 * MiB)
      const server = yield* serve((_req, res) => {
        res.writeHead(200, { "content-type": "application/octet-stream" })
        const piece = 64 * KiB
        const write = (offset: number): void => {
          if (offset >= body.length) return void res.end()
          res.write(body.subarray(offset, offset + piece), () => write(offset + piece))
        }
        write(0)
      })
      const client = yield* HttpClient.HttpClient
      const response = yield* client.get(server.url("/big"))
      assert.isUndefined(response.headers["content-length"])
      const chunks = yield* Stream.runCollect(response.stream)
      const received = Buffer.concat(Chunk.toReadonlyArray(chunks))
      assert.isAbove(Chunk.size(chunks), 1)
      assert.strictEqual(received.length, body.length)
      assert.strictEqual(sha256(received), sha256(body))
    }))

  it.scoped("urlParamsBody, formData, cookies (two set-cookie) and remoteAddress", () =>
    Effect.gen(function*() {
      const server = yield* serve((_req, res) => {
        res.setHeader("set-cookie", ["sid=abc123; Path=/; HttpOnly", "theme=dark; Max-Age=60"])
        res.setHeader("content-type", "application/x-www-form-urlencoded")
        res.end("a=1&b=two+words&a=3")
      })
      const client = yield* HttpClient.HttpClient
      const response = yield* client.get(server.url("/params"))
      assert.deepStrictEqual(
        yield* response.urlParamsBody,
        UrlParams.fromInput([["a", "1"], ["b", "two words"], ["a", "3"]])
      )
      assert.deepStrictEqual(Cookies.getValue(response.cookies, "sid"), Option.some("abc123"))
      assert.deepStrictEqual(Cookies.getValue(response.cookies, "theme"), Option.some("dark"))
      const sid = Option.getOrThrow(Cookies.get(response.cookies, "sid"))
      assert.strictEqual(sid.options?.httpOnly, true)
      assert.strictEqual(sid.options?.path, "/")
      assert.deepStrictEqual(response.remoteAddress, Option.some("127.0.0.1"))

      const form = yield* (yield* client.get(server.url("/params"))).formData
      assert.deepStrictEqual(form.getAll("a"), ["1", "3"])
      assert.strictEqual(form.get("b"), "two words")
    }))

  it.scoped("a 101 answer to an Upgrade request is the response (node:http's `upgrade` event, not a hang)", () =>
    Effect.gen(function*() {
      const server = yield* serve(
        (_req, res) => res.writeHead(426).end(),
        (_req, socket) =>
          socket.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: xmedia-test\r\nConnection: Upgrade\r\n\r\n")
      )
      const timers = yield* watchTimers(60_000)
      // with and without a deadline: the upgraded connection is the caller's, and no deadline timer stays behind
      for (const client of [yield* HttpClient.HttpClient, (yield* NodeTransport.Deadlines).withTimeout(60_000)]) {
        const response = yield* client.execute(
          HttpClientRequest.get(server.url("/socket")).pipe(
            HttpClientRequest.setHeaders({ connection: "Upgrade", upgrade: "xmedia-test" })
          )
        )
        assert.strictEqual(response.status, 101)
        assert.strictEqual(response.headers["upgrade"], "xmedia-test")
      }
      assert.deepStrictEqual([timers.set(), timers.pending()], [1, 0])
    }))

  it.scoped("connection refused: RequestError with reason Transport", () =>
    Effect.gen(function*() {
      // a port that was just free'd: nothing listens on it any more
      const port = yield* Effect.scoped(Effect.map(serve(() => {}), (server) => server.port))
      const client = yield* HttpClient.HttpClient
      const error = yield* Effect.flip(client.get(`http://127.0.0.1:${port}/`))
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error.reason, "Transport")
      assert.strictEqual((error.cause as NodeJS.ErrnoException).code, "ECONNREFUSED")
    }))

  it.scoped("a header node:http cannot send: RequestError Encode (not a defect), and nothing is sent", () =>
    Effect.gen(function*() {
      const server = yield* serve(echo)
      const client = yield* HttpClient.HttpClient
      const badValue = yield* Effect.flip(
        client.execute(HttpClientRequest.get(server.url("/")).pipe(HttpClientRequest.setHeader("x-name", "a\nb")))
      )
      assert.deepStrictEqual([badValue._tag, badValue.reason], ["RequestError", "Encode"])
      const badName = yield* Effect.flip(
        client.execute(HttpClientRequest.get(server.url("/")).pipe(HttpClientRequest.setHeader("x name", "ab")))
      )
      assert.deepStrictEqual([badName._tag, badName.reason], ["RequestError", "Encode"])
      assert.strictEqual(server.connections(), 0)
    }))

  it.scoped("the server cuts the connection half-way through the body: ResponseError Decode, nothing uncaught", () =>
    Effect.gen(function*() {
      const watched = yield* watchProcess
      const client = yield* HttpClient.HttpClient

      // a server that sends the head and 1000 bytes (all `fill`) of a 100000-byte body and stops there; `written`
      // has its response once those bytes are on the wire
      const servePartialBody = (fill: number) =>
        Effect.gen(function*() {
          const written = yield* Deferred.make<Http.ServerResponse>()
          const server = yield* serve((_req, res) => {
            res.writeHead(200, { "content-length": "100000" })
            res.write(Buffer.alloc(1000, fill), () => Deferred.unsafeDone(written, Exit.succeed(res)))
          })
          return { server, written }
        })

      // 1. cut while the client is reading (after it has got the first bytes)
      const { server: whileReading, written: partial } = yield* servePartialBody(1)
      const response = yield* client.get(whileReading.url("/cut"))
      const serverSide = yield* Deferred.await(partial)
      let received = 0
      const streamError = yield* response.stream.pipe(
        Stream.runForEach((chunk) =>
          Effect.sync(() => {
            received += chunk.length
            serverSide.socket?.destroy()
          })
        ),
        Effect.flip
      )
      assert.strictEqual(streamError._tag, "ResponseError")
      assert.strictEqual(streamError.reason, "Decode")
      assert.isAbove(received, 0)
      assert.isBelow(received, 100000)

      // 2. the same with text: the read starts, then the server cuts
      const { server: whileText, written: partial2 } = yield* servePartialBody(2)
      const response2 = yield* client.get(whileText.url("/cut"))
      const reading = yield* Effect.fork(response2.text)
      yield* Effect.yieldNow()
      ;(yield* Deferred.await(partial2)).socket?.destroy()
      const textError = yield* Effect.flip(Fiber.join(reading))
      assert.strictEqual(textError._tag, "ResponseError")
      assert.strictEqual(textError.reason, "Decode")

      // 3. the connection is already gone when the body is first read (text, then stream of another response)
      // a server that sends the head and 1000 bytes of a 100000-byte body, then drops the connection (`gone`)
      const cutAfterFirstWrite = Effect.gen(function*() {
        const gone = yield* Deferred.make<void>()
        const server = yield* serve((req, res) => {
          if (req.url === "/ok") return void res.end("ok")
          res.on("close", () => Deferred.unsafeDone(gone, Exit.void))
          res.writeHead(200, { "content-length": "100000" })
          res.write(Buffer.alloc(1000, 3), () => res.socket?.destroy())
        })
        return { gone, server }
      })
      const { gone, server: early } = yield* cutAfterFirstWrite
      const response3 = yield* client.get(early.url("/cut"))
      yield* Deferred.await(gone)
      // a round trip on another connection: by then the client has seen the first one close
      assert.strictEqual(yield* Effect.flatMap(client.get(early.url("/ok")), (r) => r.text), "ok")
      const earlyError = yield* Effect.flip(response3.text)
      assert.strictEqual(earlyError._tag, "ResponseError")
      assert.strictEqual(earlyError.reason, "Decode")
      assert.strictEqual((yield* Effect.flip(response3.arrayBuffer)).reason, "Decode")

      const { gone: gone2, server: early2 } = yield* cutAfterFirstWrite
      const response4 = yield* client.get(early2.url("/cut"))
      yield* Deferred.await(gone2)
      assert.strictEqual(yield* Effect.flatMap(client.get(early2.url("/ok")), (r) => r.text), "ok")
      const earlyStreamError = yield* Effect.flip(Stream.runDrain(response4.stream))
      assert.strictEqual(earlyStreamError._tag, "ResponseError")
      assert.strictEqual(earlyStreamError.reason, "Decode")

      // 4. a reset (RST) rather than a close, while reading
      const { server: reset, written: partial5 } = yield* servePartialBody(5)
      const response5 = yield* client.get(reset.url("/reset"))
      const serverSide5 = yield* Deferred.await(partial5)
      const resetError = yield* response5.stream.pipe(
        Stream.runForEach(() => Effect.sync(() => serverSide5.socket?.resetAndDestroy())),
        Effect.flip
      )
      assert.strictEqual(resetError._tag, "ResponseError")
      assert.strictEqual(resetError.reason, "Decode")

      assert.deepStrictEqual(watched.seen, [])
    }))

  it.scoped("withMaxBodySize smaller than the body: ResponseError, and the connection is dropped", () =>
    Effect.gen(function*() {
      const body = randomBytes(256 * KiB)
      const firstClosed = yield* Deferred.make<void>()
      let requests = 0
      const server = yield* serve((req, res) => {
        if (requests++ === 0) req.socket.on("close", () => Deferred.unsafeDone(firstClosed, Exit.void))
        res.end(body)
      })
      const client = yield* HttpClient.HttpClient
      const response = yield* client.get(server.url("/big"))
      const error = yield* Effect.flip(HttpIncomingMessage.withMaxBodySize(response.arrayBuffer, Option.some(KiB)))
      assert.strictEqual(error._tag, "ResponseError")
      assert.strictEqual(error.reason, "Decode")
      // the half-read connection is closed (not left in the pool)
      yield* Deferred.await(firstClosed)

      const fits = yield* client.get(server.url("/big"))
      const bytes = yield* HttpIncomingMessage.withMaxBodySize(fits.arrayBuffer, Option.some(body.length))
      assert.strictEqual(sha256(new Uint8Array(bytes)), sha256(body))
    }))

  // The deadline is the transport's own timer on a real socket, so these tests wait real milliseconds (at most
  // 150 ms each); everything timed in core runs on TestClock.
  it.scoped("Deadlines: a request the server never answers fails with a TimeoutError, and the connection closes", () =>
    Effect.gen(function*() {
      const closed = yield* Deferred.make<void>()
      const server = yield* serve((req) => req.socket.on("close", () => Deferred.unsafeDone(closed, Exit.void)))
      const client = (yield* NodeTransport.Deadlines).withTimeout(100)
      const error = yield* Effect.flip(client.get(server.url("/hang")))
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error._tag === "RequestError" && error.reason, "Transport")
      assert.strictEqual((error.cause as Error).name, "TimeoutError")
      assert.include((error.cause as Error).message, "100 ms")
      yield* Deferred.await(closed)
    }))

  it.scoped("Deadlines: a body that stalls half-way fails its read with the TimeoutError", () =>
    Effect.gen(function*() {
      const server = yield* serve((_req, res) => {
        res.writeHead(200, { "content-length": 10 })
        res.write("01234")
      })
      const client = (yield* NodeTransport.Deadlines).withTimeout(100)
      const response = yield* client.get(server.url("/stall"))
      assert.strictEqual(response.status, 200)
      const error = yield* Effect.flip(response.text)
      assert.strictEqual(error._tag, "ResponseError")
      assert.strictEqual((error.cause as Error).name, "TimeoutError")
    }))

  it.scoped("Deadlines: exchanges that end in time leave no timer behind, and their connection is kept", () =>
    Effect.gen(function*() {
      const server = yield* serve(echo)
      const client = (yield* NodeTransport.Deadlines).withTimeout(60_000)
      const timers = yield* watchTimers(60_000)
      for (let i = 0; i < 5; i++) {
        const response = yield* client.post(server.url(`/ok/${i}`), { body: HttpBody.text(`body ${i}`) })
        assert.strictEqual(asEcho(yield* response.json).text, `body ${i}`)
      }
      // node:http emits the request's close once the response has ended
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      assert.deepStrictEqual([timers.set(), timers.pending()], [5, 0])
      assert.strictEqual(server.connections(), 1)
    }))

  it.scoped("interrupting a request the server never answers closes the connection", () =>
    Effect.gen(function*() {
      const arrived = yield* Deferred.make<void>()
      const closed = yield* Deferred.make<boolean>()
      const server = yield* serve((_req, res) => {
        res.on("close", () => Deferred.unsafeDone(closed, Exit.succeed(res.writableFinished)))
        Deferred.unsafeDone(arrived, Exit.void)
      })
      const client = yield* HttpClient.HttpClient
      const fiber = yield* Effect.fork(client.get(server.url("/hang")))
      yield* Deferred.await(arrived)
      const exit = yield* Fiber.interrupt(fiber)
      assert.isTrue(Exit.isInterrupted(exit))
      assert.isFalse(yield* Deferred.await(closed), "closed by the client, with no response sent")
    }))

  it.scoped("interrupting a request whose Stream body is in flight closes the connection", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient

      const firstBytes = yield* Deferred.make<void>()
      const closed = yield* Deferred.make<boolean>()
      const upload = yield* serve((req, res) => {
        res.on("close", () => Deferred.unsafeDone(closed, Exit.succeed(res.writableFinished)))
        req.once("data", () => Deferred.unsafeDone(firstBytes, Exit.void))
      })
      const sending = yield* Effect.fork(
        client.execute(
          HttpClientRequest.post(upload.url("/slow")).pipe(
            HttpClientRequest.bodyStream(Stream.concat(Stream.make(randomBytes(1000)), Stream.never))
          )
        )
      )
      yield* Deferred.await(firstBytes)
      assert.isTrue(Exit.isInterrupted(yield* Fiber.interrupt(sending)))
      assert.isFalse(yield* Deferred.await(closed))
    }))

  it.scoped("interrupting a body read in flight closes the connection", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      /** Interrupts a text read of such a body once it has begun; the client must close the connection. */
      const interruptedRead = <E, R>(c: HttpClient.HttpClient.With<E, R>) =>
        Effect.gen(function*() {
          const { server, closed } = yield* serveUnfinishedBody
          const response = yield* c.get(server.url("/slow"))
          const started = yield* Deferred.make<void>()
          // the fiber goes on from `started` to the read without yielding: once `started` is done, the read has begun
          const reading = yield* Effect.fork(Effect.zipRight(Deferred.succeed(started, undefined), response.text))
          yield* Deferred.await(started)
          assert.isTrue(Exit.isInterrupted(yield* Fiber.interrupt(reading)))
          assert.isFalse(yield* Deferred.await(closed))
        })
      yield* interruptedRead(client)
      // the same through `HttpClient.withScope` (the request's abort waits for the scope: the response must let go)
      yield* interruptedRead(HttpClient.withScope(client))
    }))

  it.scoped("a response nobody reads is dropped when its request's scope closes (the abort after the response)", () =>
    Effect.gen(function*() {
      const { closed, server } = yield* serveUnfinishedBody
      const client = HttpClient.withScope(yield* HttpClient.HttpClient)
      const status = yield* Effect.scoped(Effect.map(client.get(server.url("/unread")), (response) => response.status))
      assert.strictEqual(status, 200)
      assert.isFalse(yield* Deferred.await(closed), "closed by the client before the body was complete")
    }))

  it.scoped("keep-alive: sequential requests (every kind of body read) reuse one connection", () =>
    Effect.gen(function*() {
      const server = yield* serve((req, res) => {
        if (req.url === "/missing") {
          res.writeHead(404)
          return void res.end("nope")
        }
        echo(req, res)
      })
      const client = yield* HttpClient.HttpClient
      const url = server.url("/")
      assert.strictEqual(asEcho(yield* Effect.flatMap(client.get(url), (r) => r.json)).method, "GET")
      assert.include(yield* Effect.flatMap(client.get(url), (r) => r.text), "\"GET\"")
      assert.isAbove((yield* Effect.flatMap(client.get(url), (r) => r.arrayBuffer)).byteLength, 0)
      const bytes = randomBytes(MiB)
      const posted = yield* sent(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyUint8Array(bytes)))
      assert.strictEqual(posted.sha256, sha256(bytes))
      const streamed = yield* Effect.flatMap(client.get(url), (r) => Stream.runCollect(r.stream))
      assert.isAbove(Chunk.size(streamed), 0)
      const missing = yield* client.get(server.url("/missing"))
      assert.deepStrictEqual([missing.status, yield* missing.text], [404, "nope"])
      assert.strictEqual(asEcho(yield* Effect.flatMap(client.del(url), (r) => r.json)).method, "DELETE")
      assert.strictEqual(server.connections(), 1)
    }))

  it.scoped("8 concurrent POSTs of distinct bodies are each answered with their own body", () =>
    Effect.gen(function*() {
      const server = yield* serve(echo)
      const bodies = Array.from({ length: 8 }, (_, i) => randomBytes(256 * KiB + i))
      const seen = yield* Effect.forEach(
        bodies,
        (body, i) => sent(HttpClientRequest.post(server.url(`/n/${i}`)).pipe(HttpClientRequest.bodyUint8Array(body))),
        { concurrency: "unbounded" }
      )
      seen.forEach((echo, i) => {
        assert.strictEqual(echo.url, `/n/${i}`)
        assert.strictEqual(echo.length, bodies[i].length)
        assert.strictEqual(echo.sha256, sha256(bodies[i]))
      })
      assert.isAbove(server.connections(), 1, "the requests ran in parallel")
    }))

  it.scoped("the client span redacts authorization; the server still gets it, and the trace headers", () =>
    Effect.gen(function*() {
      const server = yield* serve(echo)
      const { spans, tracer } = recordingTracer()
      const seen = yield* sent(
        HttpClientRequest.get(server.url("/traced?q=1")).pipe(HttpClientRequest.bearerToken("secret"))
      ).pipe(Effect.withTracer(tracer), Effect.withTracerEnabled(true))
      assert.strictEqual(seen.headers.authorization, "Bearer secret")

      const span = spans.find((span) => span.kind === "client")
      assert.isDefined(span)
      assert.strictEqual(span!.attributes.get("http.request.method"), "GET")
      assert.strictEqual(span!.attributes.get("url.full"), server.url("/traced?q=1"))
      assert.strictEqual(span!.attributes.get("http.response.status_code"), 200)
      assert.strictEqual(span!.attributes.get("http.request.header.authorization"), "<redacted>")
      assert.strictEqual(span!.status._tag, "Ended")
      for (const recorded of spans) {
        for (const [key, value] of recorded.attributes) {
          assert.notInclude(`${key}=${String(value)}`, "secret", `span ${recorded.name} attribute ${key}`)
        }
      }
      assert.strictEqual(seen.headers.traceparent, `00-${span!.traceId}-${span!.spanId}-01`)
    }))

  it.scoped("404 and 500 with a body are responses (not errors), bodies readable; bad JSON; HEAD and 204 empty", () =>
    Effect.gen(function*() {
      const server = yield* serve((req, res) => {
        switch (req.url) {
          case "/missing":
            res.writeHead(404, { "content-type": "application/json" })
            return void res.end(JSON.stringify({ title: "Not Found" }))
          case "/broken":
            res.writeHead(500, { "content-type": "text/plain" })
            return void res.end("internal trouble")
          case "/garbled":
            res.writeHead(200, { "content-type": "application/json" })
            return void res.end("{not json")
          case "/nothing":
            res.writeHead(204)
            return void res.end()
          default:
            res.writeHead(200, { "content-type": "text/plain", "content-length": "11" })
            return void res.end(req.method === "HEAD" ? undefined : "hello world")
        }
      })
      const client = yield* HttpClient.HttpClient
      const missing = yield* client.get(server.url("/missing"))
      assert.strictEqual(missing.status, 404)
      assert.deepStrictEqual(yield* missing.json, { title: "Not Found" })
      const broken = yield* client.post(server.url("/broken"))
      assert.strictEqual(broken.status, 500)
      assert.strictEqual(yield* broken.text, "internal trouble")
      const garbled = yield* client.get(server.url("/garbled"))
      const notJson = yield* Effect.flip(garbled.json)
      assert.deepStrictEqual([notJson._tag, notJson.reason], ["ResponseError", "Decode"])
      assert.strictEqual(yield* garbled.text, "{not json")
      const nothing = yield* client.get(server.url("/nothing"))
      assert.strictEqual(nothing.status, 204)
      assert.strictEqual(yield* nothing.json, null)
      const head = yield* client.head(server.url("/"))
      assert.strictEqual(head.status, 200)
      assert.strictEqual(head.headers["content-length"], "11")
      assert.strictEqual(yield* head.text, "")
      assert.strictEqual(yield* Effect.flatMap(client.get(server.url("/")), (r) => r.text), "hello world")
    }))
})
