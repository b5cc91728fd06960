import { FileSystem, Path, Terminal } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option, Redacted } from "effect"
import * as Credentials from "../src/Credentials.js"
import { BadInput, XSideFailure } from "../src/Failure.js"
import * as FlowFiles from "../src/FlowFiles.js"
import * as Inputs from "../src/Inputs.js"
import * as Main from "../src/Main.js"
import * as Progress from "../src/Progress.js"
import * as Spec from "../src/Spec.js"

const here = new URL(".", import.meta.url).pathname
const asset = (name: string) => `${here}../assets/${name}`
const fixture = (name: string) => `${here}fixtures/${name}`

const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const failureMessage = <A, R>(self: Effect.Effect<A, BadInput, R>) =>
  Effect.flip(self).pipe(Effect.map((e) => e.message))

describe("subtitle specs", () => {
  it.effect("file:LANG defaults the name to the language's name", () =>
    Effect.gen(function*() {
      const t = yield* Inputs.parseSubtitleSpec("a.srt:en")
      assert.deepStrictEqual(t, { file: "a.srt", language: "EN" as typeof t.language, name: "English" })
      const fr = yield* Inputs.parseSubtitleSpec("b.srt:fr-CA:Français: canadien")
      assert.strictEqual(fr.language, "FR")
      assert.strictEqual(fr.name, "Français: canadien")
    }))

  it.effect("a missing or wrong language is bad input that says what to give", () =>
    Effect.gen(function*() {
      const noLang = yield* failureMessage(Inputs.parseSubtitleSpec("a.srt"))
      assert.include(noLang, "must be file:LANG[:name]")
      const wrong = yield* failureMessage(Inputs.parseSubtitleSpec("a.srt:english"))
      assert.include(wrong, "a.srt:english")
      assert.match(wrong, /ISO 639-1|language code/)
    }))
})

describe("file checks", () => {
  it.effect("the bundled sample passes every check", () =>
    Effect.gen(function*() {
      const tracks = yield* Effect.forEach([`${asset("captions.en.srt")}:en`, `${asset("captions.fr.srt")}:fr`], Inputs.parseSubtitleSpec)
      const spec = yield* Spec.check({ name: "t", kind: "before", video: asset("video.mp4"), subtitles: tracks, altText: "a", text: "" })
      assert.strictEqual(spec.subtitles.length, 2)
      assert.strictEqual(yield* Inputs.checkSubtitleFile(tracks[1]!), 3)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("missing file, not a video, broken SRT, duplicate language, long alt text", () =>
    Effect.gen(function*() {
      const missing = yield* failureMessage(Inputs.checkVideoFile(asset("nope.mp4")))
      assert.include(missing, "does not exist")
      const notVideo = yield* failureMessage(Inputs.checkVideoFile(asset("image.png")))
      assert.include(notVideo, "is not a video")
      const broken = yield* failureMessage(
        Inputs.checkSubtitleFile({ file: fixture("broken.srt"), language: "EN" as never, name: "English" })
      )
      assert.include(broken, "broken.srt")
      assert.match(broken, /line 6/)
      const track = yield* Inputs.parseSubtitleSpec(`${asset("captions.en.srt")}:en`)
      const dup = yield* failureMessage(Inputs.checkDistinctLanguages([track, track]))
      assert.include(dup, "EN")
      const alt = yield* failureMessage(Inputs.checkAltText("x".repeat(1001)))
      assert.include(alt, "at most 1000")
    }).pipe(Effect.provide(NodeContext.layer)))
})

describe("flow files", () => {
  it.effect("a YAML flow resolves paths against the file", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const dir = yield* fs.makeTempDirectoryScoped()
      const file = path.join(dir, "one.yaml")
      yield* fs.writeFileString(
        file,
        `flow: after-post\nvideo: ${asset("video.mp4")}\nsubtitles:\n  - { file: sub/en.srt, language: en-GB, name: British }\ntext: hi\n`
      )
      const spec = yield* FlowFiles.load(file)
      assert.strictEqual(spec.kind, "after")
      assert.strictEqual(spec.name, "one")
      assert.strictEqual(spec.subtitles[0]!.file, path.join(dir, "sub/en.srt"))
      assert.strictEqual(spec.subtitles[0]!.language, "EN")
      assert.strictEqual(spec.text, "hi")
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer)))

  it.effect("errors name the file and the field", () =>
    Effect.gen(function*() {
      const lang = yield* failureMessage(FlowFiles.load(fixture("bad-language.yaml")))
      assert.include(lang, "bad-language.yaml: subtitles[1].language")
      const flow = yield* failureMessage(FlowFiles.load(fixture("bad-flow.json")))
      assert.include(flow, "bad-flow.json: flow")
      const yaml = yield* failureMessage(FlowFiles.load(fixture("not-yaml.yaml")))
      assert.include(yaml, "is not valid YAML")
      const missing = yield* failureMessage(FlowFiles.load(fixture("nope.yaml")))
      assert.include(missing, "cannot be read")
    }).pipe(Effect.provide(NodeContext.layer)))
})

describe("credentials", () => {
  it.effect("nothing set: the embedded emulator", () =>
    Effect.gen(function*() {
      const target = yield* Credentials.resolve({ baseUrl: Option.none(), realX: false })
      assert.strictEqual(target._tag, "Embedded")
      assert.include(Credentials.describe(target), "embedded emulator")
    }).pipe(withEnv({})))

  it.effect("an OAuth 2.0 token switches to api.x.com and never shows the token", () =>
    Effect.gen(function*() {
      const target = yield* Credentials.resolve({ baseUrl: Option.none(), realX: false })
      assert(target._tag === "Remote")
      assert.strictEqual(target.baseUrl, "https://api.x.com")
      assert(target.credentials._tag === "OAuth2")
      assert.strictEqual(Redacted.value(target.credentials.accessToken), "secret-token-123")
      assert.deepStrictEqual(target.credentials.clientId, Option.some("client-1"))
      const line = Credentials.describe(target)
      assert.notInclude(line, "secret-token-123")
      assert.notInclude(JSON.stringify(target), "secret-token-123")
    }).pipe(withEnv({ X_ACCESS_TOKEN: "secret-token-123", X_CLIENT_ID: "client-1" })))

  it.effect("OAuth 1.0a needs all four values", () =>
    Effect.gen(function*() {
      const message = yield* failureMessage(Credentials.resolve({ baseUrl: Option.none(), realX: false }))
      assert.include(message, "X_CONSUMER_SECRET")
      assert.include(message, "X_ACCESS_TOKEN_SECRET")
    }).pipe(withEnv({ X_CONSUMER_KEY: "k", X_ACCESS_TOKEN: "t" })))

  it.effect("four OAuth 1.0a values are OAuth 1.0a", () =>
    Effect.gen(function*() {
      const target = yield* Credentials.resolve({ baseUrl: Option.none(), realX: true })
      assert(target._tag === "Remote")
      assert.strictEqual(target.credentials._tag, "OAuth1")
    }).pipe(withEnv({ X_CONSUMER_KEY: "k", X_CONSUMER_SECRET: "s", X_ACCESS_TOKEN: "t", X_ACCESS_TOKEN_SECRET: "ts" })))

  it.effect("--real-x without credentials is bad input; --base-url without them is the dev identity", () =>
    Effect.gen(function*() {
      const message = yield* failureMessage(Credentials.resolve({ baseUrl: Option.none(), realX: true }))
      assert.include(message, "X_ACCESS_TOKEN")
      const xWithout = yield* failureMessage(Credentials.resolve({ baseUrl: Option.some("https://api.x.com"), realX: false }))
      assert.include(xWithout, "credentials")
      const emu = yield* Credentials.resolve({ baseUrl: Option.some("http://127.0.0.1:4000/"), realX: false })
      assert(emu._tag === "Remote")
      assert.strictEqual(emu.baseUrl, "http://127.0.0.1:4000")
      assert.strictEqual(emu.credentials._tag, "DevIdentity")
      const notUrl = yield* failureMessage(Credentials.resolve({ baseUrl: Option.some("localhost"), realX: false }))
      assert.include(notUrl, "not an http(s) URL")
    }).pipe(withEnv({})))
})

describe("exit codes", () => {
  it("bad input is 2 with one line, X-side failures are 1 and say what exists on X", () => {
    const bad = Main.render(new BadInput({ message: "video a.mp4 does not exist: check the path" }))
    assert.deepStrictEqual(bad, { code: 2, lines: ["error: video a.mp4 does not exist: check the path"] })
    const x = Main.render(new XSideFailure({ message: "create post failed", onX: ["video: media 1"] }))
    assert.strictEqual(x.code, 1)
    assert.deepStrictEqual(x.lines, ["error: create post failed", "on X: video: media 1"])
    const none = Main.render(new XSideFailure({ message: "m", onX: [] }))
    assert.deepStrictEqual(none.lines, ["error: m", "on X: nothing was created"])
  })
})

const recordingTerminal = (isTTY: boolean) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    const terminal: Terminal.Terminal = {
      columns: Effect.succeed(80),
      rows: Effect.succeed(24),
      isTTY: Effect.succeed(isTTY),
      readInput: Effect.die("not used"),
      readLine: Effect.die("not used"),
      display: (text) => Effect.sync(() => void out.push(text))
    }
    return { out, layer: Progress.layer.pipe(Layer.provide(Layer.succeed(Terminal.Terminal, terminal))) }
  })

const events = Effect.gen(function*() {
  const p = yield* Progress.Progress
  yield* p.emit(Progress.Event.Step({ flow: "f", step: "upload video", status: "started" }))
  yield* p.emit(Progress.Event.Bytes({ label: "video.mp4", sent: 0, total: 2048 }))
  yield* p.emit(Progress.Event.Bytes({ label: "video.mp4", sent: 1024, total: 2048 }))
  yield* p.emit(Progress.Event.Bytes({ label: "video.mp4", sent: 1024, total: 2048 }))
  yield* p.emit(Progress.Event.Bytes({ label: "video.mp4", sent: 2048, total: 2048 }))
  yield* p.emit(Progress.Event.Processing({ label: "video.mp4", state: "in_progress", percent: 40 }))
  yield* p.emit(Progress.Event.Step({ flow: "f", step: "upload video", status: "finished", detail: "media 1" }))
  yield* p.flush
})

describe("progress", () => {
  it.effect("without a TTY: plain lines, no escape codes, no repeated lines", () =>
    Effect.gen(function*() {
      const { layer, out } = yield* recordingTerminal(false)
      yield* Effect.provide(events, layer)
      const text = out.join("")
      assert.notInclude(text, "\x1b[")
      assert.notInclude(text, "\r")
      assert.deepStrictEqual(text.trimEnd().split("\n"), [
        "[f] start  upload video",
        "upload video.mp4: 0 B / 2.0 KB (0%)",
        "upload video.mp4: 1.0 KB / 2.0 KB (50%)",
        "upload video.mp4: 2.0 KB / 2.0 KB (100%)",
        "processing video.mp4: in_progress 40%",
        "[f] done   upload video: media 1"
      ])
    }))

  it.effect("on a TTY: bars redrawn in place", () =>
    Effect.gen(function*() {
      const { layer, out } = yield* recordingTerminal(true)
      yield* Effect.provide(events, layer)
      const text = out.join("")
      assert.include(text, "\x1b[1A") // cursor up over the live region
      assert.include(text, Progress.bar(0.5))
      assert.include(text, "✔ [f] done   upload video: media 1")
    }))
})
