/**
 * Crash safety for real: a child process runs a flow on a SQLite file against the emulator (over HTTP), is killed
 * with SIGKILL, and is started again with the same idempotency key.
 */
import { Command } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Emulator } from "@xmedia/emulator"
import { Chunk, Duration, Effect, Layer, Schedule, Stream } from "effect"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { fixture, withTempDir } from "./helpers.js"

const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url))
const child = fileURLToPath(new URL("./crash/child.ts", import.meta.url))
const CHUNK = 2048
const SEGMENTS = Math.ceil(24006 / CHUNK)

const start = (args: Record<string, unknown>) => Command.start(Command.make(tsx, child, JSON.stringify(args)))

/** run the child to its end; its exit code and stdout */
const runToEnd = (args: Record<string, unknown>) =>
  Effect.scoped(Effect.gen(function*() {
    const proc = yield* start(args)
    const [out, code] = yield* Effect.all([
      proc.stdout.pipe(Stream.decodeText(), Stream.runCollect, Effect.map((c) => Chunk.join(c, ""))),
      proc.exitCode
    ], { concurrency: 2 })
    return { out, code }
  }))

const waitUntil = (check: Effect.Effect<boolean>) =>
  check.pipe(
    Effect.repeat({ until: (ok) => ok, schedule: Schedule.spaced(Duration.millis(20)) }),
    Effect.timeout("60 seconds")
  )

const withDir = <A, E, R>(f: (dir: string) => Effect.Effect<A, E, R>) => withTempDir("xmedia-crash-", f)

const subtitles = [
  { file: fixture("sample.en.srt"), language: "en", name: "English" },
  { file: fixture("sample.fr.vtt"), language: "fr", name: "Français" }
]

const TestLayer = Layer.merge(Emulator.layer({ processing: Emulator.afterPolls(1) }), NodeContext.layer)

describe("crash safety (child process, SQLite file, emulator)", () => {
  it.live("kill -9 mid-upload, run again: finished steps and acknowledged segments are not redone", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const args = {
          db: join(dir, "flows.db"),
          url: emulator.url,
          key: "crash-upload",
          flow: "before-post",
          video: fixture("sample.mp4"),
          subtitles,
          chunkSize: CHUNK
        }
        const video = Effect.map(emulator.listMedia, (all) => all.filter((m) => m.category === "tweet_video"))
        const videoAppends = Effect.gen(function*() {
          const ids = new Set((yield* video).map((m) => m.id))
          const requests = yield* emulator.requests
          return requests.filter((r) =>
            r.mediaId !== undefined && ids.has(r.mediaId) && r.path.endsWith("/append") && r.status < 300
          ).length
        })

        yield* Effect.scoped(Effect.gen(function*() {
          const proc = yield* start({ ...args, appendDelayMs: 150 })
          yield* waitUntil(Effect.map(videoAppends, (n) => n >= 4))
          yield* proc.kill("SIGKILL")
          yield* Effect.ignore(proc.exitCode)
        }))
        const before = yield* videoAppends
        assert.isBelow(before, SEGMENTS)
        assert.strictEqual((yield* emulator.posts).length, 0)

        const { code, out } = yield* runToEnd(args)
        assert.strictEqual(code, 0, out)
        assert.include(out, "RESULT ")
        const videos = yield* video
        // the same upload session was continued: one video media, fully received, finalized
        assert.strictEqual(videos.length, 1)
        assert.strictEqual(Object.keys(videos[0]!.segments).length, SEGMENTS)
        assert.isTrue(videos[0]!.finalized)
        // segments acknowledged before the kill were not sent again (at most the one in flight at the kill)
        const after = (yield* videoAppends) - before
        assert.isAtMost(after, SEGMENTS - before + 1)
        assert.isAtLeast(after, SEGMENTS - before)
        const posts = yield* emulator.posts
        assert.strictEqual(posts.length, 1)
        assert.deepStrictEqual(videos[0]!.subtitles.map((s) => s.language_code).sort(), ["EN", "FR"])
      })
    ).pipe(Effect.provide(TestLayer)), 120_000)

  it.live("killed after X accepted the post: the re-run finds the post instead of posting twice", () =>
    withDir((dir) =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const args = {
          db: join(dir, "flows.db"),
          url: emulator.url,
          key: "crash-post",
          flow: "after-post",
          video: fixture("sample.mp4"),
          subtitles,
          chunkSize: 8192
        }
        const killed = yield* runToEnd({ ...args, killAfterPost: true })
        assert.notStrictEqual(killed.code, 0)
        assert.notInclude(killed.out, "RESULT ")
        assert.strictEqual((yield* emulator.posts).length, 1)

        const { code, out } = yield* runToEnd(args)
        assert.strictEqual(code, 0, out)
        const result = JSON.parse(out.slice(out.indexOf("RESULT ") + 7).trim()) as {
          outputs: Record<string, { postId?: string; found?: boolean }>
        }
        assert.strictEqual(result.outputs["create-post"]?.found, true)
        const posts = yield* emulator.posts
        assert.strictEqual(posts.length, 1)
        assert.strictEqual(posts[0]!.id, result.outputs["create-post"]?.postId)
      })
    ).pipe(Effect.provide(TestLayer)), 120_000)
})
