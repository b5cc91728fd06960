/**
 * A flow process for the crash test (test/Crash.test.ts): runs one flow on the SQLite engine against the emulator
 * and prints `RESULT <json>` on success. The parent kills it with SIGKILL and starts it again.
 *
 * argv[2]: JSON `{ db, url, key, flow: "before-post" | "after-post", video, subtitles, chunkSize, appendDelayMs?,
 * killAfterPost? }`. `appendDelayMs` slows each APPEND down (a slow network) so the parent can kill mid-upload;
 * `killAfterPost` kills this process right after X accepted the post, before the journal records it.
 */
import { NodeFileSystem, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Auth, XClient } from "@xmedia/core"
import { Console, Effect, Layer, Redacted } from "effect"
import { Engine, Flow, MediaOps, MediaOpsLive, Runner } from "../../src/index.js"

interface Args {
  readonly db: string
  readonly url: string
  readonly key: string
  readonly flow: "before-post" | "after-post"
  readonly video: string
  readonly subtitles: ReadonlyArray<Flow.SubtitleTrack>
  readonly chunkSize: number
  readonly appendDelayMs?: number
  readonly killAfterPost?: boolean
}

const args = JSON.parse(process.argv[2] ?? "{}") as Args

const Ops = Layer.effect(
  MediaOps.MediaOps,
  Effect.map(MediaOpsLive.make(), (live): MediaOps.MediaOpsService => ({
    ...live,
    append: (req) => Effect.zipRight(Effect.sleep(args.appendDelayMs ?? 0), live.append(req)),
    createPost: (req) =>
      Effect.tap(
        live.createPost(req),
        () => args.killAfterPost === true ? Effect.sync(() => process.kill(process.pid, "SIGKILL")) : Effect.void
      )
  }))
).pipe(
  Layer.provide(XClient.layer({ baseUrl: args.url, auth: Auth.oauth2User({ accessToken: Redacted.make("xmedia-dev-token") }) })),
  Layer.provide(NodeHttpClient.layer)
)

const input: Flow.VideoPostInput = { video: args.video, subtitles: args.subtitles, text: `crash test ${args.key}` }
const flow = args.flow === "before-post" ? Flow.beforePost(input) : Flow.afterPost(input)

Runner.run(flow, { idempotencyKey: args.key, chunkSize: args.chunkSize }).pipe(
  Effect.flatMap((result) => Console.log(`RESULT ${JSON.stringify(result)}`)),
  Effect.provide(
    Runner.layer.pipe(
      Layer.provideMerge(Engine.layerSqlite({ filename: args.db, pollInterval: "200 millis" })),
      Layer.provide(Ops),
      Layer.provideMerge(NodeFileSystem.layer)
    )
  ),
  NodeRuntime.runMain
)
