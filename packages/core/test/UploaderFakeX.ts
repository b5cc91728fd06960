/**
 * A fake X for uploader tests: an `HttpClient` (HttpClient.make) that answers the v2 initialize / append /
 * finalize / status routes from an in-memory state, records every request, and can be scripted to fail.
 */
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import type { HttpClientRequest } from "@effect/platform"
import { Chunk, Clock, type Duration, Effect, Layer, Redacted, type Scope, Stream, TestServices } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Auth from "../src/Auth.js"
import * as Retry from "../src/Retry.js"
import type * as Uploader from "../src/Uploader.js"
import * as XClient from "../src/XClient.js"

export interface Recorded {
  readonly method: string
  readonly path: string
  readonly segmentIndex?: number
}

export interface Script {
  /** `processing_info` of FINALIZE (undefined: ready at once). */
  finalize?: Record<string, unknown> | undefined
  /** `processing_info` of successive STATUS calls (the last repeats). */
  statuses?: ReadonlyArray<Record<string, unknown>>
  /** Segment index -> number of 503 answers before it is accepted. */
  appendFailures?: Map<number, number>
  /** Segment index -> number of 429 answers (reset 30 s ahead of the Clock) before it is accepted. */
  appendRateLimited?: Map<number, number>
  /** STATUS answers 404 (the id expired at X). */
  statusNotFound?: boolean
  /** STATUS always answers 429, with its reset this many seconds ahead of the Clock. */
  statusRateLimitedFor?: number
  /** The client's retry settings (`XClient.layer({ retry })`). */
  retry?: XClient.RetryOptions
  expiresAfterSecs?: number
  finalizeExpiresAfterSecs?: number
  /** INITIALIZE answers only once this completes (to observe what happens while it is in flight). */
  initializeGate?: Effect.Effect<void>
  /** Runs when FINALIZE arrives, before it is answered (to observe the uploader's state at that moment). */
  onFinalize?: Effect.Effect<void>
  /** Sleep inside every APPEND (TestClock time), to observe concurrency. */
  appendDelay?: Duration.DurationInput
}

export interface FakeX {
  readonly requests: Array<Recorded>
  readonly segments: Map<number, Uint8Array>
  readonly maxInFlight: () => number
  readonly layer: Layer.Layer<XClient.XClient>
  readonly assembled: () => Uint8Array
  readonly appendsOf: (index: number) => number
}

export const MEDIA_ID = "1880028106020515840"

/** A JSON response with `status`, as X sends it. */
export const json = (request: HttpClientRequest.HttpClientRequest, status: number, body: unknown) =>
  HttpClientResponse.fromWeb(
    request,
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })
  )

const indexOf = (haystack: Uint8Array, needle: Uint8Array, from = 0): number => {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}

/** Parses the multipart APPEND body: `segment_index` and the `media` bytes. */
export const parseAppend = (
  contentType: string,
  body: Uint8Array
): { segmentIndex: number; media: Uint8Array } => {
  const boundary = /boundary=(.+)$/.exec(contentType)![1]!
  const enc = new TextEncoder()
  const text = new TextDecoder("latin1").decode(body.subarray(0, Math.min(body.length, 2048)))
  const segmentIndex = Number(/name="segment_index"\r\n\r\n(\d+)\r\n/.exec(text)![1])
  const mediaHeader = indexOf(body, enc.encode(`name="media"`))
  const start = indexOf(body, enc.encode("\r\n\r\n"), mediaHeader) + 4
  const end = indexOf(body, enc.encode(`\r\n--${boundary}--`), start)
  return { segmentIndex, media: body.slice(start, end) }
}

/** A 429 as X sends it, its reset `resetInSecs` ahead of the Clock. */
const rateLimited = (request: HttpClientRequest.HttpClientRequest, resetInSecs: number) =>
  Effect.map(Clock.currentTimeMillis, (now) =>
    HttpClientResponse.fromWeb(
      request,
      new Response(JSON.stringify({ title: "Too Many Requests", detail: "Too Many Requests", type: "about:blank", status: 429 }), {
        status: 429,
        headers: {
          "content-type": "application/json",
          "x-rate-limit-limit": "1875",
          "x-rate-limit-remaining": "0",
          "x-rate-limit-reset": String(Math.floor(now / 1000) + resetInSecs)
        }
      })
    ))

export const makeFakeX = (script: Script = {}): FakeX => {
  const requests: Array<Recorded> = []
  const segments = new Map<number, Uint8Array>()
  const appendCounts = new Map<number, number>()
  let statusCalls = 0
  let inFlight = 0
  let maxInFlight = 0
  const failuresLeft = new Map(script.appendFailures ?? [])
  const rateLimitedLeft = new Map(script.appendRateLimited ?? [])
  const mediaKey = `7_${MEDIA_ID}`

  const client = HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const path = url.pathname
      if (request.method === "POST" && path === "/2/media/upload/initialize") {
        requests.push({ method: "POST", path })
        if (script.initializeGate) yield* script.initializeGate
        return json(request, 200, {
          data: { id: MEDIA_ID, media_key: mediaKey, expires_after_secs: script.expiresAfterSecs ?? 86400 }
        })
      }
      const append = /^\/2\/media\/upload\/(\d+)\/append$/.exec(path)
      if (request.method === "POST" && append) {
        const body = request.body
        let bytes: Uint8Array
        if (body._tag === "Uint8Array") bytes = body.body
        else if (body._tag === "Stream") {
          const chunks = Chunk.toReadonlyArray(yield* Stream.runCollect(body.stream).pipe(Effect.orDie))
          bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
          let offset = 0
          for (const c of chunks) {
            bytes.set(c, offset)
            offset += c.length
          }
          if (body.contentLength !== undefined && body.contentLength !== bytes.length) {
            return json(request, 400, { title: "Invalid Request", detail: "content-length mismatch" })
          }
        } else return json(request, 400, { title: "Invalid Request", detail: "no body" })
        const { media, segmentIndex } = parseAppend(body.contentType!, bytes)
        requests.push({ method: "POST", path, segmentIndex })
        appendCounts.set(segmentIndex, (appendCounts.get(segmentIndex) ?? 0) + 1)
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        if (script.appendDelay) yield* Effect.sleep(script.appendDelay)
        inFlight--
        const limited = rateLimitedLeft.get(segmentIndex) ?? 0
        if (limited > 0) {
          rateLimitedLeft.set(segmentIndex, limited - 1)
          return yield* rateLimited(request, 30)
        }
        const left = failuresLeft.get(segmentIndex) ?? 0
        if (left > 0) {
          failuresLeft.set(segmentIndex, left - 1)
          return json(request, 503, { title: "Service Unavailable", detail: "try again", type: "about:blank", status: 503 })
        }
        segments.set(segmentIndex, media)
        return json(request, 200, { data: { expires_at: 1_900_000_000 } })
      }
      const finalize = /^\/2\/media\/upload\/(\d+)\/finalize$/.exec(path)
      if (request.method === "POST" && finalize) {
        requests.push({ method: "POST", path })
        if (script.onFinalize) yield* script.onFinalize
        let size = 0
        for (const s of segments.values()) size += s.length
        return json(request, 200, {
          data: {
            id: MEDIA_ID,
            media_key: mediaKey,
            size,
            expires_after_secs: script.finalizeExpiresAfterSecs ?? 86400,
            ...(script.finalize ? { processing_info: script.finalize } : {})
          }
        })
      }
      if (request.method === "GET" && path === "/2/media/upload") {
        requests.push({ method: "GET", path })
        if (script.statusNotFound) {
          return json(request, 404, {
            title: "Not Found Error",
            detail: "Could not find media",
            type: "https://api.x.com/2/problems/resource-not-found"
          })
        }
        if (script.statusRateLimitedFor !== undefined) return yield* rateLimited(request, script.statusRateLimitedFor)
        const statuses = script.statuses ?? [{ state: "succeeded", progress_percent: 100 }]
        const info = statuses[Math.min(statusCalls, statuses.length - 1)]
        statusCalls++
        return json(request, 200, { data: { id: MEDIA_ID, media_key: mediaKey, processing_info: info } })
      }
      return json(request, 404, { title: "Not Found", detail: `no route ${request.method} ${path}` })
    })
  )

  const layer = XClient.layer({
    baseUrl: "https://fake.x.test",
    auth: Auth.oauth2User({ accessToken: Redacted.make("test-token") }),
    retry: script.retry
  }).pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, client)))

  return {
    requests,
    segments,
    maxInFlight: () => maxInFlight,
    layer,
    appendsOf: (index) => appendCounts.get(index) ?? 0,
    assembled: () => assemble(segments)
  }
}

/** The path of a file in `test/fixtures`. */
export const fixturePath = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/**
 * A file `name` holding `bytes` in a temp directory of its own, removed when the scope closes: for tests that change
 * a file while it is being uploaded.
 */
export const tempFile = (name: string, bytes: Uint8Array): Effect.Effect<string, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "xmedia-test-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    ),
    (dir) => {
      const file = join(dir, name)
      writeFileSync(file, bytes)
      return file
    }
  )

/** Retries transient failures 5 times, 1 s apart (no jitter): predictable under the TestClock. */
export const noBackoff = Retry.transient({ base: "1 second", jitter: false, times: 5 })

/** Provides a fake X and the Node file system to an upload. */
export const provideFake = (fake: Pick<FakeX, "layer">) => Effect.provide(Layer.merge(fake.layer, NodeContext.layer))

/** Collects the uploader's progress events through `onProgress`. */
export const recorder = () => {
  const events: Array<Uploader.Progress> = []
  return { events, onProgress: (e: Uploader.Progress) => Effect.sync(() => void events.push(e)) }
}

/** Waits (real time, bounded) for a condition that real I/O or other fibers make true. */
export const eventually = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 500 && !condition(); i++) yield* TestServices.provideLive(Effect.sleep("2 millis"))
    assert.isTrue(condition())
  })

/** Concatenates received segments in index order: the file X would assemble. */
export const assemble = (segments: ReadonlyMap<number, Uint8Array>): Uint8Array => {
  const parts = [...segments.entries()].sort(([a], [b]) => a - b).map(([, bytes]) => bytes)
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}
