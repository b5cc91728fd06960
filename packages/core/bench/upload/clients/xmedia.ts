/**
 * `xmedia`: `Uploader.uploadFile` over xmedia's Node transport (`NodeTransport.layer`, keep-alive agent).
 * `xmedia-platform`: the same over `@effect/platform-node`'s `NodeHttpClient.layerWithoutAgent` + a keep-alive agent.
 * `xmedia-default-agent`: the same over `NodeHttpClient.layer` (its agent does not keep connections alive).
 */
import type { FileSystem, HttpClient } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { NodeTransport } from "@xmedia/node"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import * as Auth from "../../../src/Auth.js"
import * as Uploader from "../../../src/Uploader.js"
import * as XClient from "../../../src/XClient.js"
import { runChild } from "../child.js"
import type { ChildArgs } from "../shared.js"

type Transport = "xmedia" | "platform" | "platform-default-agent"

const httpLayer = (transport: Transport, a: ChildArgs): Layer.Layer<HttpClient.HttpClient> => {
  switch (transport) {
    case "xmedia":
      return NodeTransport.layer({ maxSockets: a.concurrency })
    case "platform":
      return NodeHttpClient.layerWithoutAgent.pipe(
        Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true, maxSockets: a.concurrency }))
      )
    case "platform-default-agent":
      return NodeHttpClient.layer
  }
}

const upload = (transport: Transport) => {
  // the XClient and its HttpClient are built once per process, as an app provides them once
  let runtime: ManagedRuntime.ManagedRuntime<XClient.XClient | FileSystem.FileSystem, never> | undefined
  return (a: ChildArgs) => {
    runtime ??= ManagedRuntime.make(Layer.merge(
      XClient.layer({
        baseUrl: `http://127.0.0.1:${a.port}`,
        auth: Auth.oauth2User({ accessToken: Redacted.make("bench") })
      }).pipe(Layer.provide(httpLayer(transport, a))),
      NodeFileSystem.layer
    ))
    return runtime.runPromise(
      Uploader.uploadFile(a.file, { chunkSize: a.chunk, concurrency: a.concurrency }).pipe(Effect.asVoid)
    )
  }
}

runChild({
  xmedia: upload("xmedia"),
  "xmedia-platform": upload("platform"),
  "xmedia-default-agent": upload("platform-default-agent")
})
