/**
 * The emulator's web page in a real headless browser (Debian's chromium driven by playwright-core): after a
 * before-post flow, the posted video is on the page, its metadata loads, and both caption tracks load with cues.
 */
import { Terminal } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Emulator } from "@xmedia/emulator"
import { Engine, MediaOpsLive, Runner } from "@xmedia/workflows"
import { Effect, Layer } from "effect"
import { existsSync } from "node:fs"
import { chromium } from "playwright-core"
import * as Connection from "../src/Connection.js"
import * as Flows from "../src/Flows.js"
import * as Inputs from "../src/Inputs.js"
import * as Progress from "../src/Progress.js"

const CHROMIUM = "/usr/bin/chromium"
const asset = (name: string) => new URL(`../assets/${name}`, import.meta.url).pathname

const silentTerminal = Layer.succeed(Terminal.Terminal, {
  columns: Effect.succeed(80),
  rows: Effect.succeed(24),
  isTTY: Effect.succeed(false),
  readInput: Effect.die("not used"),
  readLine: Effect.die("not used"),
  display: () => Effect.void
})

const browser = Effect.acquireRelease(
  Effect.promise(() =>
    chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--mute-audio"]
    })
  ),
  (b) => Effect.promise(() => b.close())
)

const TestLayer: Layer.Layer<Emulator.Emulator | NodeContext.NodeContext> = Layer.merge(
  Emulator.layer({ port: 0 }),
  NodeContext.layer
)

layer(TestLayer, { excludeTestServices: true, timeout: 60_000 })(
  "emulator web page",
  (it) => {
    it.scoped("shows the posted video with both caption tracks loading in chromium", () =>
      Effect.gen(function*() {
        assert.isTrue(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`)
        const emulator = yield* Emulator.Emulator
        const target = {
          _tag: "Remote",
          baseUrl: emulator.url,
          credentials: { _tag: "DevIdentity" },
          via: "base-url"
        } as const
        const tracks = yield* Effect.forEach(
          [`${asset("captions.en.srt")}:en:English`, `${asset("captions.fr.srt")}:fr:Français`],
          Inputs.parseSubtitleSpec
        )
        const outcome = yield* Flows.run({
          name: "before-post",
          kind: "before",
          video: asset("video.mp4"),
          subtitles: tracks,
          altText: "A three-second test clip",
          text: "seen in a browser"
        }, "web-page-test").pipe(
          Effect.provide(
            Layer.mergeAll(
              Runner.layer.pipe(
                Layer.provideMerge(Engine.layerMemory),
                Layer.provide(MediaOpsLive.layer),
                Layer.provide(Connection.layer(target))
              ),
              Progress.layer.pipe(Layer.provide(silentTerminal))
            )
          )
        )

        const b = yield* browser
        const page = yield* Effect.promise(() => b.newPage())
        const response = yield* Effect.promise(() => page.goto(`${emulator.url}/_emulator/`))
        assert.strictEqual(response?.status(), 200)
        const selector = `article[data-post-id="${outcome.postId}"] video`
        const labels = yield* Effect.promise(() =>
          page.$$eval(`${selector} track`, (els) => els.map((e) => (e as HTMLTrackElement).label))
        )
        assert.deepStrictEqual(labels, ["English", "Français"])
        assert.include(yield* Effect.promise(() => page.content()), "seen in a browser")

        // Ask the browser to load every track, then wait until each is LOADED (2) with its cues, or ERROR (3).
        yield* Effect.promise(() =>
          page.$eval(selector, (v) => {
            const video = v as HTMLVideoElement
            for (let i = 0; i < video.textTracks.length; i++) video.textTracks[i]!.mode = "hidden"
          })
        )
        yield* Effect.promise(() =>
          page.waitForFunction(
            (sel) => {
              const video = document.querySelector(sel) as HTMLVideoElement | null
              if (video === null) return false
              const els = Array.from(video.querySelectorAll("track"))
              return els.length > 0 && els.every((t) => t.readyState === 2 || t.readyState === 3) && video.readyState >= 1
            },
            selector,
            { timeout: 20_000 }
          )
        )
        const state = yield* Effect.promise(() =>
          page.$eval(selector, (v) => {
            const video = v as HTMLVideoElement
            return {
              trackStates: Array.from(video.querySelectorAll("track")).map((t) => t.readyState),
              cues: Array.from({ length: video.textTracks.length }, (_, i) => video.textTracks[i]!.cues?.length ?? 0),
              firstFrench: video.textTracks[1]?.cues?.[0] === undefined
                ? ""
                : (video.textTracks[1]!.cues![0] as VTTCue).text,
              duration: video.duration
            }
          })
        )
        assert.deepStrictEqual(state.trackStates, [2, 2], "both caption tracks LOADED")
        assert.deepStrictEqual(state.cues, [3, 3])
        assert.strictEqual(state.firstFrench, "Bonjour ! Ce clip dure trois secondes.")
        assert.closeTo(state.duration, 3, 0.2)
      }), { timeout: 90_000 })
  }
)
