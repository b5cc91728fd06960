/**
 * The CLI as a subprocess (no TTY): exit codes, output lines, `--help`, both flows, `run` with several flow files,
 * `status`, against an emulator started in this test process (`--base-url`) or the embedded one.
 */
import { Command, FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Emulator } from "@xmedia/emulator"
import { Effect, Layer, Stream, String as Str } from "effect"

const root = new URL("../../../", import.meta.url).pathname
const demo = new URL("../", import.meta.url).pathname
const asset = (name: string) => `${demo}assets/${name}`
const fixture = (name: string) => `${demo}test/fixtures/${name}`

/** Credentials that must not leak in from the machine running the tests. */
const cleanEnv = {
  X_ACCESS_TOKEN: "",
  X_REFRESH_TOKEN: "",
  X_CLIENT_ID: "",
  X_CLIENT_SECRET: "",
  X_CONSUMER_KEY: "",
  X_CONSUMER_SECRET: "",
  X_ACCESS_TOKEN_SECRET: "",
  NO_COLOR: "1"
}

interface Result {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const collect = (stream: Stream.Stream<Uint8Array, unknown>) =>
  stream.pipe(Stream.decodeText(), Stream.runFold("", (acc, s) => acc + s))

const cli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.scoped(
    Effect.gen(function*() {
      const proc = yield* Command.make(`${root}node_modules/.bin/tsx`, `${demo}src/bin.ts`, ...args).pipe(
        Command.workingDirectory(root),
        Command.env({ ...cleanEnv, ...env }),
        Command.start
      )
      const [stdout, stderr, code] = yield* Effect.all([collect(proc.stdout), collect(proc.stderr), proc.exitCode], {
        concurrency: 3
      })
      return { code: Number(code), stdout, stderr } satisfies Result
    })
  ).pipe(Effect.orDie)

const lines = (s: string) => s.split("\n").filter((l) => l.trim() !== "")

const tempDir = Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeTempDirectoryScoped({ prefix: "xmedia-demo-" }))

/** One emulator for the whole file, plus the platform services the subprocess helper needs. */
const TestLayer = Layer.merge(Emulator.layer({ port: 0 }), NodeContext.layer)

it.layer(TestLayer, { timeout: 60_000 })("xmedia CLI", (it) => {
  describe("help", () => {
    it.scoped("every command has --help", () =>
      Effect.gen(function*() {
        const commands = [
          [],
          ["post"],
          ["run"],
          ["status"],
          ["resume"],
          ["subtitles"],
          ["subtitles", "add"],
          ["subtitles", "remove"],
          ["metadata", "set"],
          ["emulator"]
        ]
        const results = yield* Effect.forEach(commands, (c) => cli([...c, "--help"]), { concurrency: 5 })
        results.forEach((r, i) => {
          assert.strictEqual(r.code, 0, `${commands[i]!.join(" ")} --help: ${r.stderr}`)
          assert.include(r.stdout, "USAGE", commands[i]!.join(" "))
        })
        const [top, post, run] = results
        for (const name of ["post", "run", "status", "resume", "subtitles", "metadata", "emulator"]) {
          assert.include(top!.stdout, name)
        }
        assert.include(top!.stdout, "--keep")
        assert.include(post!.stdout, "--subtitles")
        assert.include(post!.stdout, "file:LANG[:name]")
        assert.include(post!.stdout, "--flow")
        assert.include(post!.stdout, "--alt")
        assert.include(run!.stdout, "--concurrency")
      }), { timeout: 120_000 })
  })

  describe("bad input: exit 2, one line, nothing uploaded", () => {
    it.scoped("each mistake says what to fix", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const base = ["--base-url", emulator.url]
        const en = `${asset("captions.en.srt")}:en`
        const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string, Record<string, string>?]> = [
          [["post", asset("missing.mp4"), "--subtitles", en, ...base], "does not exist"],
          [["post", asset("image.png"), "--subtitles", en, ...base], "is not a video"],
          [["post", asset("video.mp4"), "--subtitles", `${fixture("broken.srt")}:en`, ...base], "line 6"],
          [["post", asset("video.mp4"), "--subtitles", `${asset("captions.en.srt")}:english`, ...base], "english"],
          [["post", asset("video.mp4"), "--subtitles", en, "--real-x"], "X_ACCESS_TOKEN"],
          [["post", asset("video.mp4"), "--subtitles", en, "--real-x"], "X_CONSUMER_SECRET", { X_CONSUMER_KEY: "k" }],
          [["run", fixture("bad-language.yaml"), ...base], "subtitles[1].language"],
          [["subtitles", "remove", "not-an-id", "en", ...base], "is not a media id"]
        ]
        const results = yield* Effect.forEach(cases, ([args, , env]) => cli(args, env), { concurrency: 4 })
        results.forEach((r, i) => {
          const [args, expected] = cases[i]!
          assert.strictEqual(r.code, 2, `${args.join(" ")}\n${r.stdout}\n${r.stderr}`)
          const err = lines(r.stderr)
          assert.strictEqual(err.length, 1, r.stderr)
          assert.match(err[0]!, /^error: /)
          assert.include(err[0]!, expected)
          assert.notInclude(r.stdout, "upload")
        })
        assert.strictEqual((yield* emulator.listMedia).length, 0, "nothing reached the emulator")
        const unknownOption = yield* cli(["post", "--nope"])
        assert.strictEqual(unknownOption.code, 2)
      }), { timeout: 120_000 })
  })

  describe("flows", () => {
    it.scoped("post --flow after: the post has the video, the video has both tracks", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const state = yield* tempDir
        const r = yield* cli([
          "post",
          asset("video.mp4"),
          "--subtitles",
          `${asset("captions.en.srt")}:en`,
          "--subtitles",
          `${asset("captions.fr.srt")}:fr:Français`,
          "--alt",
          "A test clip",
          "--text",
          "after-post from the CLI",
          "--flow",
          "after",
          "--base-url",
          emulator.url,
          "--state-dir",
          state
        ])
        assert.strictEqual(r.code, 0, r.stderr)
        assert.notInclude(r.stdout, "\x1b[")
        assert.include(r.stdout, `Using ${emulator.url}`)
        assert.include(r.stdout, "Summary (read back from")
        const posts = (yield* emulator.posts).filter((p) => p.text === "after-post from the CLI")
        assert.strictEqual(posts.length, 1)
        const video = yield* emulator.media(posts[0]!.mediaIds[0]!)
        assert.deepStrictEqual(video?.subtitles.map((t) => [t.language_code, t.display_name]), [
          ["EN", "English"],
          ["FR", "Français"]
        ])
        assert.include(r.stdout, `post ${posts[0]!.id}`)
        assert.include(r.stdout, `EN "English"`)
        assert.include(r.stdout, `FR "Français"`)

        const status = yield* cli(["status", "--base-url", emulator.url, "--state-dir", state])
        assert.strictEqual(status.code, 0, status.stderr)
        assert.include(status.stdout, "finished")
        assert.include(status.stdout, `post ${posts[0]!.id}`)
      }), { timeout: 120_000 })

    it.scoped("run with several flow files, concurrently", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const fs = yield* FileSystem.FileSystem
        const path = yield* Path.Path
        const dir = yield* tempDir
        const files = ["one", "two", "three"].map((name, i) => path.join(dir, i === 1 ? `${name}.json` : `${name}.yaml`))
        yield* fs.writeFileString(
          files[0]!,
          `flow: before-post\nvideo: ${asset("video.mp4")}\nsubtitles:\n  - { file: ${asset("captions.en.srt")}, language: en }\ntext: flow one\n`
        )
        yield* fs.writeFileString(
          files[1]!,
          JSON.stringify({
            flow: "after-post",
            video: asset("video.mp4"),
            subtitles: [{ file: asset("captions.fr.srt"), language: "fr", name: "Français" }],
            text: "flow two"
          })
        )
        yield* fs.writeFileString(files[2]!, `flow: before-post\nvideo: ${asset("video.mp4")}\ntext: flow three\n`)
        const r = yield* cli(["run", ...files, "--concurrency", "2", "--base-url", emulator.url, "--state-dir", dir])
        assert.strictEqual(r.code, 0, r.stderr)
        const posts = yield* emulator.posts
        for (const text of ["flow one", "flow two", "flow three"]) {
          assert.strictEqual(posts.filter((p) => p.text === text).length, 1, text)
        }
        assert.strictEqual(lines(r.stdout).filter((l) => /^ {2}\S+ \((before|after)-post\): post \d+/.test(l)).length, 3)
      }), { timeout: 120_000 })

    it.scoped("an X-side failure: exit 1, a typed message and what exists on X", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        // Nothing listens on port 9 of loopback: every request fails before X (here: nobody) sees it.
        const r = yield* cli(["post", asset("video.mp4"), "--base-url", "http://127.0.0.1:9", "--state-dir", dir])
        assert.strictEqual(r.code, 1, r.stdout + r.stderr)
        const err = lines(r.stderr)
        assert.match(err[0]!, /^error: \[after-post\]|^error: \[before-post\]/)
        assert.isTrue(err.some((l) => l.startsWith("on X:")), r.stderr)
      }), { timeout: 120_000 })
  })

  describe("the demo (no command)", () => {
    it.scoped("runs both flows on the embedded emulator, prints a summary read back from the API, exits 0", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        const r = yield* cli(["--state-dir", dir])
        assert.strictEqual(r.code, 0, r.stdout + r.stderr)
        assert.notInclude(r.stdout, "\x1b[")
        const out = r.stdout
        assert.include(out, "using the embedded emulator")
        assert.include(out, "[before-post] start")
        assert.include(out, "[after-post] done")
        assert.match(out, /upload before-post: video\.mp4: .* \(100%\)/)
        assert.include(out, "Summary (read back from http://127.0.0.1:")
        const summary = out.slice(out.indexOf("Summary"))
        assert.match(summary, /before-post \(before-post\): post \d+/)
        assert.match(summary, /after-post \(after-post\): post \d+/)
        assert.strictEqual(Str.split(summary, `EN "English"`).length - 1, 2)
        assert.strictEqual(Str.split(summary, `FR "Français"`).length - 1, 2)
        assert.match(summary, /3\.0 s/)
        assert.include(out, "/_emulator/")
      }), { timeout: 120_000 })
  })
})
