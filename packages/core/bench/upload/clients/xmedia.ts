/**
 * `xmedia`: `Uploader.uploadFile` over `NodeHttpClient.layerWithoutAgent` + a keep-alive agent.
 * `xmedia-default-agent`: the same over `NodeHttpClient.layer` (its agent does not keep connections alive).
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, Redacted } from "effect"
import * as Auth from "../../../src/Auth.js"
import * as Uploader from "../../../src/Uploader.js"
import * as XClient from "../../../src/XClient.js"
import { runChild } from "../child.js"
import type { ChildArgs } from "../shared.js"

const upload = (keepAlive: boolean) => (a: ChildArgs) => {
  const http = keepAlive
    ? NodeHttpClient.layerWithoutAgent.pipe(
      Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true, maxSockets: a.concurrency }))
    )
    : NodeHttpClient.layer
  const layer = Layer.merge(
    XClient.layer({
      baseUrl: `http://127.0.0.1:${a.port}`,
      auth: Auth.oauth2User({ accessToken: Redacted.make("bench") })
    }).pipe(Layer.provide(http)),
    NodeFileSystem.layer
  )
  return Effect.runPromise(
    Uploader.uploadFile(a.file, { chunkSize: a.chunk, concurrency: a.concurrency }).pipe(
      Effect.asVoid,
      Effect.provide(layer)
    )
  )
}

runChild({ xmedia: upload(true), "xmedia-default-agent": upload(false) })
