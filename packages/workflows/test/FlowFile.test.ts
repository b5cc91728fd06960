import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Flow, FlowFile } from "../src/index.js"

const yamlText = `
flow: before-post
video: ./launch.mp4
subtitles:
  - { file: ./launch.en.srt, language: en-US, name: English }
  - file: ./launch.fr.vtt
    language: fr
    name: Français
altText: The launch, on stage
text: We launched!
`

describe("FlowFile", () => {
  it.effect("decodes YAML into the seed flow", () =>
    Effect.gen(function*() {
      const file = yield* FlowFile.decode(yamlText)
      assert.strictEqual(file.flow, "before-post")
      assert.strictEqual(file.subtitles.length, 2)
      const flow = FlowFile.toFlow(file)
      assert.strictEqual(flow.name, "before-post")
      assert.deepStrictEqual(Flow.validate(flow), [])
      assert.isDefined(flow.steps.find((s) => s.id === "associate-FR"))
      assert.isDefined(flow.steps.find((s) => s.id === "set-alt-text"))
    }))

  it.effect("decodes JSON", () =>
    Effect.gen(function*() {
      const file = yield* FlowFile.decode(
        JSON.stringify({ flow: "after-post", video: "v.mp4", subtitles: [], text: "hi" }),
        { format: "json" }
      )
      assert.strictEqual(FlowFile.toFlow(file).name, "after-post")
    }))

  it.effect("errors point at the bad field and say what to fix", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(FlowFile.decode(`
flow: during-post
video: v.mp4
subtitles:
  - { file: a.srt, language: en, name: English }
  - { file: b.txt, language: english, name: "" }
text: hi
colour: red
`))
      const byField = new Map(error.problems.map((p) => [p.field, p.message]))
      assert.match(byField.get("flow")!, /before-post/)
      assert.match(byField.get("subtitles[1].file")!, /\.srt or \.vtt/)
      assert.match(byField.get("subtitles[1].language")!, /"english" is not a language; use a two-letter code/)
      assert.match(byField.get("subtitles[1].name")!, /must not be empty/)
      assert.match(byField.get("colour")!, /unknown field/)
    }))

  it.effect("altText counts characters as X does: 1000 emoji pass, both in the file and in the flow, 1001 do not", () =>
    Effect.gen(function*() {
      const withAlt = (altText: string) =>
        FlowFile.decode(JSON.stringify({ flow: "after-post", video: "v.mp4", subtitles: [], text: "hi", altText }), {
          format: "json"
        })
      const file = yield* withAlt("🐈".repeat(1000))
      const flow = FlowFile.toFlow(file)
      assert.isDefined(flow.steps.find((s) => s.id === "set-alt-text"))
      assert.deepStrictEqual(Flow.validate(flow), [])
      const error = yield* Effect.flip(withAlt("🐈".repeat(1001)))
      assert.include(error.message, "altText is at most 1000 characters")
    }))

  it.effect("a missing field and a duplicate language", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(FlowFile.decode(JSON.stringify({
        flow: "before-post",
        subtitles: [{ file: "a.srt", language: "en", name: "A" }, { file: "b.srt", language: "en-GB", name: "B" }],
        text: "x"
      }), { format: "json" }))
      const fields = error.problems.map((p) => p.field)
      assert.include(fields, "video")
      assert.isTrue(error.problems.some((p) => /language EN/.test(p.message)))
    }))

  it.effect("YAML syntax errors give the line", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(FlowFile.decode("flow: before-post\nsubtitles: [\n  - a\ntext: 'x"))
      assert.match(error.problems[0]!.field, /^line \d+, column \d+$/)
    }))

  it.effect("load resolves paths against the file's directory", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "xmedia-flowfile-"))
      const path = join(dir, "launch.yaml")
      writeFileSync(path, yamlText)
      const file = yield* FlowFile.load(path)
      assert.strictEqual(file.video, join(dir, "launch.mp4"))
      assert.strictEqual(file.subtitles[1]!.file, join(dir, "launch.fr.vtt"))
    }).pipe(Effect.provide(NodeContext.layer)))
})
