/**
 * The CLI as a subprocess (no TTY): exit codes, output lines, `--help`, both flows, `run` with several flow files,
 * `status`, against an emulator started in this test process (`--base-url`) or the embedded one.
 */
import { FileSystem, HttpClient, HttpClientRequest, Path } from "@effect/platform"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { assert, describe, layer } from "@effect/vitest"
import { Emulator } from "@xmedia/emulator"
import { Effect, Layer, String as Str } from "effect"
import { cli, demo, inProcess, type Result } from "./utils/CliHarness.js"

const asset = (name: string) => `${demo}assets/${name}`
const fixture = (name: string) => `${demo}test/fixtures/${name}`

const lines = (s: string) => s.split("\n").filter((l) => l.trim() !== "")

const addFault = (url: string, rule: unknown) =>
  HttpClient.HttpClient.pipe(
    Effect.flatMap((client) =>
      client.execute(HttpClientRequest.post(`${url}/_emulator/faults`).pipe(HttpClientRequest.bodyUnsafeJson({ rules: [rule] })))
    ),
    Effect.flatMap((res) => (res.status === 201 ? Effect.void : Effect.dieMessage(`adding a fault: HTTP ${res.status}`))),
    Effect.provide(NodeHttpClient.layer),
    Effect.orDie
  )

const tempDir = Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeTempDirectoryScoped({ prefix: "xmedia-demo-" }))

/** One emulator for the whole file, plus the platform services the subprocess helper needs. */
const TestLayer: Layer.Layer<Emulator.Emulator | NodeContext.NodeContext> = Layer.merge(
  Emulator.layer({ port: 0 }),
  NodeContext.layer
)

// Live services: the emulator in this process must run on the real clock (the CLI subprocesses do).
layer(TestLayer, { excludeTestServices: true, timeout: 60_000 })("xmedia CLI", (it) => {
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
          ["metadata"],
          ["metadata", "set"],
          ["emulator"]
        ]
        const results = yield* Effect.forEach(commands, (c) => inProcess([...c, "--help"]))
        results.forEach((r, i) => {
          assert.strictEqual(r.code, 0, `${commands[i]!.join(" ")} --help: ${r.stderr}`)
          assert.include(r.stdout, "USAGE", commands[i]!.join(" "))
          assert.include(r.stdout, "DESCRIPTION", commands[i]!.join(" "))
        })
        const [top, post, run] = results
        for (const name of ["post", "run", "status", "resume", "subtitles", "metadata", "emulator"]) {
          assert.include(top!.stdout, name)
        }
        assert.include(top!.stdout, "--keep")
        assert.include(top!.stdout, "--base-url")
        assert.include(post!.stdout, "--subtitles")
        assert.include(post!.stdout, "file:LANG[:name]")
        assert.include(post!.stdout, "--flow")
        assert.include(post!.stdout, "--alt")
        assert.include(run!.stdout, "--concurrency")
        // The real process prints the same help and exits 0.
        const [topProc, postProc] = yield* Effect.all([cli(["--help"]), cli(["post", "--help"])], { concurrency: 2 })
        assert.strictEqual(topProc.code, 0, topProc.stderr)
        assert.strictEqual(postProc.code, 0, postProc.stderr)
        assert.include(topProc.stdout, "xmedia")
        assert.include(postProc.stdout, "--subtitles")
        // No TTY: plain text, no colour escapes.
        assert.notInclude(topProc.stdout, "\x1b[")
        assert.notInclude(postProc.stdout, "\x1b[")
      }), { timeout: 120_000 })
  })

  describe("bad input: exit 2, one line, nothing uploaded", () => {
    it.scoped("each mistake says what to fix", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const base = ["--base-url", emulator.url]
        const en = `${asset("captions.en.srt")}:en`
        const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
          [["post", asset("missing.mp4"), "--subtitles", en, ...base], "does not exist"],
          [["post", asset("image.png"), "--subtitles", en, ...base], "is not a video"],
          [["post", asset("video.mp4"), "--subtitles", `${fixture("broken.srt")}:en`, ...base], "line 6"],
          [["post", asset("video.mp4"), "--subtitles", `${asset("captions.en.srt")}:english`, ...base], "english"],
          [["post", asset("video.mp4"), "--subtitles", `${asset("captions.en.srt")}`, ...base], "file:LANG[:name]"],
          [["post", asset("video.mp4"), "--subtitles", en, "--real-x"], "X_ACCESS_TOKEN"],
          [["post", asset("video.mp4"), "--alt", "", ...base], "--alt is empty"],
          [["run", fixture("bad-language.yaml"), ...base], "subtitles[1].language"],
          [["run", fixture("bad-flow.json"), ...base], "bad-flow.json: flow"],
          [["subtitles", "add", "123", `${fixture("broken.srt")}:fr`, ...base], "line 6"],
          [["subtitles", "remove", "not-an-id", "en", ...base], "is not a media id"],
          [["metadata", "set", "123", "--alt", "x".repeat(1001), ...base], "at most 1000"],
          [["status", "no-such-run", "--state-dir", fixture("")], "no run no-such-run"]
        ]
        const check = (r: Result, args: ReadonlyArray<string>, expected: string) => {
          assert.strictEqual(r.code, 2, `${args.join(" ")}\n${r.stdout}\n${r.stderr}`)
          const err = lines(r.stderr)
          assert.strictEqual(err.length, 1, r.stderr)
          assert.match(err[0]!, /^error: /)
          assert.include(err[0]!, expected)
          assert.notInclude(r.stdout, "upload")
        }
        for (const [args, expected] of cases) check(yield* inProcess(args), args, expected)
        // @effect/cli's own parse errors are bad input too.
        assert.strictEqual((yield* inProcess(["post", "--nope"])).code, 2)
        assert.strictEqual((yield* inProcess(["post", asset("video.mp4"), "--flow", "sideways"])).code, 2)
        // The real process: the same lines and exit code 2.
        const procCases = [cases[0]!, cases[2]!, cases[5]!]
        const procs = yield* Effect.forEach(procCases, ([args]) => cli(args), { concurrency: 3 })
        procs.forEach((r, i) => check(r, procCases[i]![0], procCases[i]![1]))
        const oauth1 = yield* cli(["post", asset("video.mp4"), "--real-x"], { X_CONSUMER_KEY: "k" })
        check(oauth1, ["--real-x with X_CONSUMER_KEY only"], "X_CONSUMER_SECRET")
        assert.strictEqual((yield* emulator.listMedia).length, 0, "nothing reached the emulator")
      }), { timeout: 120_000 })
  })

  describe("flows", () => {
    it.scoped("post --flow after: a failed association exits 1 and says what exists; resume finishes it without a second post", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const state = yield* tempDir
        // X refuses the first subtitle association (403, not retryable).
        yield* addFault(emulator.url, {
          match: { operation: "media.subtitles.create" },
          count: 1,
          fault: { kind: "status", status: 403 }
        })
        const args = [
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
        ]
        const failed = yield* cli(args)
        assert.strictEqual(failed.code, 1, failed.stdout + failed.stderr)
        assert.notInclude(failed.stdout, "\x1b[")
        assert.include(failed.stdout, `Using ${emulator.url}`)
        const err = lines(failed.stderr)
        assert.match(err[0]!, /^error: \[after-post\] step "associate (EN|FR)" failed/)
        const posts = (yield* emulator.posts).filter((p) => p.text.startsWith("after-post from the CLI"))
        assert.strictEqual(posts.length, 1, "the post was created before the association failed")
        assert.include(failed.stderr, `on X: [after-post] post ${posts[0]!.id}`)
        const runId = /xmedia resume (\S+)/.exec(failed.stderr)?.[1]
        assert.isDefined(runId, failed.stderr)

        const status = yield* cli(["status", "--base-url", emulator.url, "--state-dir", state])
        assert.strictEqual(status.code, 0, status.stderr)
        assert.include(status.stdout, `run ${runId}`)
        assert.include(status.stdout, "failed")

        const resumed = yield* cli(["resume", runId!, "--base-url", emulator.url, "--state-dir", state])
        assert.strictEqual(resumed.code, 0, resumed.stdout + resumed.stderr)
        assert.include(resumed.stdout, "already done (reused)")
        const after = (yield* emulator.posts).filter((p) => p.text.startsWith("after-post from the CLI"))
        assert.strictEqual(after.length, 1, "resume did not post again")
        const video = yield* emulator.media(after[0]!.mediaIds[0]!)
        assert.deepStrictEqual(video?.subtitles.map((t) => [t.language_code, t.display_name]).sort(), [
          ["EN", "English"],
          ["FR", "Français"]
        ])
        assert.include(resumed.stdout, `post ${after[0]!.id}`)
        assert.include(resumed.stdout, `EN "English"`)
        assert.include(resumed.stdout, `FR "Français"`)
      }), { timeout: 180_000 })

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
          assert.strictEqual(posts.filter((p) => p.text.startsWith(text)).length, 1, text)
        }
        assert.strictEqual(lines(r.stdout).filter((l) => /^ {2}\S+ \((before|after)-post\): post \d+/.test(l)).length, 3)

        // subtitles add / remove and metadata set on flow two's posted video (in this process, real HTTP).
        const videoId = posts.find((p) => p.text.startsWith("flow two"))!.mediaIds[0]!
        const base = ["--base-url", emulator.url, "--plain"]
        const added = yield* inProcess(["subtitles", "add", videoId, `${asset("captions.en.srt")}:en-GB:English (UK)`, ...base])
        assert.strictEqual(added.code, 0, added.stderr)
        assert.include(added.stdout, `video ${videoId}: subtitle tracks FR "Français", EN "English (UK)"`)
        const removed = yield* inProcess(["subtitles", "remove", videoId, "fr", ...base])
        assert.strictEqual(removed.code, 0, removed.stderr)
        assert.include(removed.stdout, `video ${videoId}: FR subtitles removed`)
        const meta = yield* inProcess(["metadata", "set", videoId, "--alt", "A test pattern", ...base])
        assert.strictEqual(meta.code, 0, meta.stderr)
        const record = yield* emulator.media(videoId)
        assert.deepStrictEqual(record?.subtitles.map((t) => t.language_code), ["EN"])
        assert.deepStrictEqual(record?.metadata?.["alt_text"], { text: "A test pattern" })
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
