/**
 * Real HTTP on 127.0.0.1: the multipart APPEND and the JSON DELETE body reach a server intact through
 * `NodeHttpClient.layer` and `FetchHttpClient.layer`.
 */
import { FetchHttpClient, HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse, Multipart } from "@effect/platform"
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { readFileSync } from "node:fs"
import { createServer } from "node:http"
import { MediaSubtitles, MediaUpload, Retry, XClient } from "../src/index.js"
import { userAuth } from "./utils/FakeHttp.js"

const seen: Array<unknown> = []

const router = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/2/media/upload/:id/append",
    Effect.gen(function*() {
      const body = yield* HttpServerRequest.schemaBodyMultipart(
        Schema.Struct({ segment_index: Schema.String, media: Multipart.SingleFileSchema })
      )
      const request = yield* HttpServerRequest.HttpServerRequest
      seen.push({
        auth: request.headers["authorization"],
        segment_index: body.segment_index,
        name: body.media.name,
        contentType: body.media.contentType,
        bytes: readFileSync(body.media.path)
      })
      return yield* HttpServerResponse.json({ data: { expires_at: 1 } })
    }).pipe(Effect.scoped)
  ),
  HttpRouter.del(
    "/2/media/subtitles",
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      seen.push(yield* request.json)
      return yield* HttpServerResponse.json({ data: { deleted: true } })
    })
  )
)

const ServerLive = HttpServer.serve(router).pipe(
  Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" }))
)

const run = (client: Layer.Layer<import("@effect/platform").HttpClient.HttpClient>) =>
  Effect.gen(function*() {
    seen.length = 0
    const server = yield* HttpServer.HttpServer
    const address = server.address as HttpServer.TcpAddress
    const layer = XClient.layer({
      auth: userAuth({ refresh: false }),
      baseUrl: `http://127.0.0.1:${address.port}`,
      retry: { default: Retry.none }
    }).pipe(Layer.provide(client))
    const bytes = new Uint8Array(1024 * 1024).map((_, i) => i % 251)
    yield* MediaUpload.append({ id: "123", segment_index: 7, media: bytes }).pipe(Effect.provide(layer))
    const res = yield* MediaSubtitles.remove({ id: "123", media_category: "TweetVideo", language_code: "EN" }).pipe(
      Effect.provide(layer)
    )
    assert.isTrue(res.data.deleted)
    const part = seen[0] as { auth: string; segment_index: string; name: string; contentType: string; bytes: Buffer }
    assert.strictEqual(part.bytes.length, bytes.length)
    assert.isTrue(part.bytes.equals(Buffer.from(bytes)))
    assert.strictEqual(part.segment_index, "7")
    assert.strictEqual(part.name, "media")
    assert.strictEqual(part.contentType, "application/octet-stream")
    assert.include(part.auth, "Bearer ")
    assert.deepStrictEqual(seen[1], { id: "123", media_category: "TweetVideo", language_code: "EN" })
  })

describe("wire", () => {
  it.live("NodeHttpClient.layer", () => run(NodeHttpClient.layer).pipe(Effect.provide(ServerLive)))
  it.live("FetchHttpClient.layer", () => run(FetchHttpClient.layer).pipe(Effect.provide(ServerLive)))
})
