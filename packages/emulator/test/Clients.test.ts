import { Command } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as crypto from "node:crypto"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Emulator } from "../src/index.js"
import { fixture } from "./helpers.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const fixtures = path.join(here, "../../core/test/fixtures")

// Real clock: tweepy signs with the wall clock and sleeps check_after_secs between STATUS polls.
layer(Layer.mergeAll(Emulator.layer({ processing: Emulator.afterPolls(1) }), NodeContext.layer), { excludeTestServices: true })(
  "third-party clients",
  (it) => {
    it.effect("Debian python3-tweepy 4.12: chunked video, simple image, alt text, v1.1 status, v2 post", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const out = yield* Command.make(
          "/usr/bin/python3",
          path.join(here, "clients/tweepy_flow.py"),
          String(emulator.port),
          path.join(fixtures, "sample.mp4"),
          path.join(fixtures, "sample.png")
        ).pipe(Command.string)
        const result = JSON.parse(out.trim().split("\n").pop() ?? "{}") as Record<string, unknown>
        assert.strictEqual(result.image_w, 64)
        const video = yield* emulator.media(String(result.video_id))
        assert.strictEqual(video?.sha256, crypto.createHash("sha256").update(fixture("sample.mp4")).digest("hex"))
        assert.strictEqual(video?.processing?.history.at(-1)?.state, "succeeded")
        const image = yield* emulator.media(String(result.image_id))
        assert.deepStrictEqual(image?.metadata, { alt_text: { text: "a tiny test image" } })
        const posts = yield* emulator.posts
        assert.deepStrictEqual(
          posts.map((p) => [p.text, p.mediaIds]),
          [["from tweepy v1.1", [String(result.image_id)]], [
            `from tweepy v2 ${posts[1]!.text.split(" ").pop()}`,
            [String(result.video_id)]
          ]]
        )
        const journal = yield* emulator.requests
        assert.isTrue(journal.every((e) => e.status < 400), JSON.stringify(journal.filter((e) => e.status >= 400)))
        assert.isTrue(journal.some((e) => e.authKind === "oauth1-user" && e.operation === "posts.create"))
      }), { timeout: 60_000 })
  }
)
