import { Command } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TwitterApi } from "twitter-api-v2"
import * as crypto from "node:crypto"
import * as https from "node:https"
import * as net from "node:net"
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

class LoopbackAgent extends https.Agent {
  constructor(readonly port: number) {
    super({ keepAlive: false })
  }
  override createConnection(_options: unknown, callback?: (err: Error | null, socket: net.Socket) => void): net.Socket {
    const socket = net.connect(this.port, "127.0.0.1")
    if (callback !== undefined) socket.once("connect", () => callback(null, socket))
    return socket
  }
}

layer(Layer.mergeAll(Emulator.layer({ processing: Emulator.afterPolls(1) }), NodeContext.layer), { excludeTestServices: true })(
  "third-party clients: npm twitter-api-v2",
  (it) => {
    it.effect("twitter-api-v2 1.29: v2 chunked video (OAuth 2.0), v2 alt text, v1.1 chunked image (OAuth 1.0a), v2 post", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const httpAgent = new LoopbackAgent(emulator.port)
        const oauth2 = new TwitterApi("xmedia-dev-token", { httpAgent })
        const oauth1 = new TwitterApi({
          appKey: "xmedia-dev-consumer-key",
          appSecret: "xmedia-dev-consumer-secret",
          accessToken: "1000000000000000001-xmedia-dev-access-token",
          accessSecret: "xmedia-dev-access-token-secret"
        }, { httpAgent })
        const video = fixture("sample.mp4")
        const videoId = yield* Effect.tryPromise(() =>
          oauth2.v2.uploadMedia(Buffer.from(video), { media_type: "video/mp4", media_category: "tweet_video" }, 64 * 1024)
        )
        const png = Buffer.from(fixture("sample.png"))
        const imageId = yield* Effect.tryPromise(() => oauth1.v1.uploadMedia(png, { mimeType: "image/png" }))
        yield* Effect.tryPromise(() => oauth2.v2.createMediaMetadata(imageId, { alt_text: { text: "from twitter-api-v2" } }))
        const post = yield* Effect.tryPromise(() => oauth1.v2.tweet("from twitter-api-v2", { media: { media_ids: [videoId] } }))
        assert.match(post.data.id, /^[0-9]{19}$/)
        const record = yield* emulator.media(videoId)
        assert.strictEqual(record?.sha256, crypto.createHash("sha256").update(video).digest("hex"))
        assert.strictEqual(record?.processing?.history.at(-1)?.state, "succeeded")
        assert.deepStrictEqual((yield* emulator.media(imageId))?.metadata, { alt_text: { text: "from twitter-api-v2" } })
        const journal = yield* emulator.requests
        assert.isTrue(journal.every((e) => e.status < 400), JSON.stringify(journal.filter((e) => e.status >= 400)))
      }), { timeout: 60_000 })
  }
)
