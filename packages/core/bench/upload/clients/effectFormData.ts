/**
 * `effect-formdata`: `MediaUpload.append` per segment (a `FormData` + `Blob` body) over the keep-alive agent, to
 * show what the `FormData` path costs next to the uploader's framed bodies.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import * as fs from "node:fs"
import * as Auth from "../../../src/Auth.js"
import * as Ids from "../../../src/Ids.js"
import * as MediaUpload from "../../../src/MediaUpload.js"
import * as XClient from "../../../src/XClient.js"
import { runChild } from "../child.js"
import { type ChildArgs, segmentsOf } from "../shared.js"

// the XClient and its HttpClient are built once per process, as an app provides them once
let runtime: ManagedRuntime.ManagedRuntime<XClient.XClient, never> | undefined

const upload = (a: ChildArgs, size: number) => {
  runtime ??= ManagedRuntime.make(XClient.layer({
    baseUrl: `http://127.0.0.1:${a.port}`,
    auth: Auth.oauth2User({ accessToken: Redacted.make("bench") })
  }).pipe(
    Layer.provide(
      NodeHttpClient.layerWithoutAgent.pipe(
        Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true, maxSockets: a.concurrency }))
      )
    )
  ))
  const program = Effect.gen(function*() {
    const init = yield* MediaUpload.initialize({ media_type: "video/mp4", total_bytes: size, media_category: "tweet_video" })
    const id = Ids.MediaId.make(init.data.id)
    const handle = yield* Effect.promise(() => fs.promises.open(a.file, "r"))
    yield* Effect.forEach(
      segmentsOf(size, a.chunk),
      (s) =>
        Effect.flatMap(
          Effect.promise(async () => {
            const buffer = new Uint8Array(s.length)
            await handle.read(buffer, 0, s.length, s.start)
            return buffer
          }),
          (media) => MediaUpload.append({ id, segment_index: s.index, media })
        ),
      { concurrency: a.concurrency, discard: true }
    )
    yield* Effect.promise(() => handle.close())
    yield* MediaUpload.finalize(id)
  })
  return runtime.runPromise(program)
}

runChild({ "effect-formdata": upload })
