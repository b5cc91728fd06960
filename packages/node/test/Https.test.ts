import { HttpBody, HttpClient, HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Scope } from "effect"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import * as Https from "node:https"
import type { AddressInfo } from "node:net"
import { NodeTransport } from "../src/index.js"

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url))
const cert = fixture("localhost-cert.pem")
const key = fixture("localhost-key.pem")

/** An https server on 127.0.0.1 (self-signed certificate) echoing the sha256 of each request body. */
const serveHttps: Effect.Effect<{ readonly url: (path: string) => string }, never, Scope.Scope> = Effect.map(
  Effect.acquireRelease(
    Effect.async<Https.Server>((resume) => {
      const server = Https.createServer({ cert, key }, (req, res) => {
        const hash = createHash("sha256")
        let bytes = 0
        req.on("data", (chunk: Buffer) => {
          bytes += chunk.length
          hash.update(chunk)
        })
        req.on("end", () => {
          res.writeHead(200, { "content-type": "application/json" })
          res.end(JSON.stringify({ method: req.method, bytes, sha256: hash.digest("hex") }))
        })
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
  ),
  (server) => ({ url: (path: string) => `https://127.0.0.1:${(server.address() as AddressInfo).port}${path}` })
)

describe("NodeTransport over https", () => {
  it.scoped("sends bytes and reads the answer through the https agent, trusting the given CA", () =>
    Effect.gen(function*() {
      const server = yield* serveHttps
      const body = new Uint8Array(256 * 1024).map((_, i) => i % 251)
      const answer = yield* Effect.gen(function*() {
        const client = yield* HttpClient.HttpClient
        const response = yield* client.execute(
          HttpClientRequest.post(server.url("/upload")).pipe(
            HttpClientRequest.setBody(HttpBody.uint8Array(body, "application/octet-stream"))
          )
        )
        return yield* response.json
      }).pipe(Effect.provide(NodeTransport.layer({ ca: cert })))
      assert.deepStrictEqual(answer, {
        method: "POST",
        bytes: body.length,
        sha256: createHash("sha256").update(body).digest("hex")
      })
    }))

  it.scoped("refuses a certificate nobody vouches for, as a typed Transport failure", () =>
    Effect.gen(function*() {
      const server = yield* serveHttps
      const error = yield* Effect.flip(
        Effect.flatMap(HttpClient.HttpClient, (client) => client.get(server.url("/"))).pipe(
          Effect.provide(NodeTransport.layer())
        )
      )
      assert.strictEqual(error._tag, "RequestError")
      if (error._tag !== "RequestError") return
      assert.strictEqual(error.reason, "Transport")
      assert.match(String(error.cause), /self[- ]signed|certificate/i)
    }))
})
