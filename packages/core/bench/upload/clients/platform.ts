/**
 * An HttpClient alone, no uploader: `concurrency` workers each read a segment into their own buffer with the
 * multipart framing around it and send it. The floor any Effect client over that HttpClient stands on.
 *
 * - `platform`: @effect/platform-node's `NodeHttpClient` over a keep-alive agent;
 * - `transport`: xmedia's Node transport (`NodeTransport.layer`, @xmedia/node).
 */
import { HttpBody, HttpClient, HttpClientRequest } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { NodeTransport } from "@xmedia/node"
import { Effect, Layer, ManagedRuntime } from "effect"
import * as fs from "node:fs"
import { runChild } from "../child.js"
import { appendWorkers } from "../effectWorkers.js"
import { type ChildArgs, initializeBody } from "../shared.js"

const httpLayer = (transport: boolean, a: ChildArgs): Layer.Layer<HttpClient.HttpClient> =>
  transport
    ? NodeTransport.layer({ maxSockets: a.concurrency })
    : NodeHttpClient.layerWithoutAgent.pipe(
      Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true, maxSockets: a.concurrency }))
    )

const upload = (transport: boolean) => {
  // the HttpClient is built once per process, as an app provides it once
  let runtime: ManagedRuntime.ManagedRuntime<HttpClient.HttpClient, never> | undefined
  return (a: ChildArgs, size: number) => {
    const run = runtime ??= ManagedRuntime.make(httpLayer(transport, a))
    const base = `http://127.0.0.1:${a.port}`
    const boundary = "----platformbench7f3a9c"
    const fd = fs.openSync(a.file, "r")
    const program = Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const json = (request: HttpClientRequest.HttpClientRequest) =>
        Effect.flatMap(client.execute(HttpClientRequest.bearerToken(request, "bench")), (r) => r.json)
      const init = (yield* json(
        HttpClientRequest.post(`${base}/2/media/upload/initialize`).pipe(
          HttpClientRequest.bodyUnsafeJson(initializeBody(size))
        )
      )) as { data: { id: string } }
      yield* appendWorkers(a, size, fd, boundary, (body) =>
        json(
          HttpClientRequest.post(`${base}/2/media/upload/${init.data.id}/append`).pipe(
            HttpClientRequest.setBody(HttpBody.uint8Array(body, `multipart/form-data; boundary=${boundary}`))
          )
        ))
      yield* json(HttpClientRequest.post(`${base}/2/media/upload/${init.data.id}/finalize`))
    })
    return run.runPromise(program).finally(() => fs.closeSync(fd))
  }
}

runChild({ platform: upload(false), transport: upload(true) })
