import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as SubtitleFile from "../src/SubtitleFile.js"
import type * as XError from "../src/XError.js"

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), "utf8")

const failure = <A>(effect: Effect.Effect<A, XError.InvalidInput>) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(effect)
    if (Exit.isSuccess(exit)) return assert.fail(`expected a failure, got ${JSON.stringify(exit.value)}`)
    const error = yield* Effect.flip(effect)
    assert.strictEqual(error._tag, "InvalidInput")
    return error
  })

describe("SubtitleFile.parseSrt", () => {
  it.effect("parses the sample SRT fixture", () =>
    Effect.gen(function*() {
      const cues = yield* SubtitleFile.parseSrt(fixture("sample.en.srt"))
      assert.deepStrictEqual(cues, [
        { index: 1, startMs: 0, endMs: 1500, text: "Hello from xmedia", line: 1 },
        { index: 2, startMs: 1600, endMs: 3000, text: "Second cue", line: 5 }
      ])
    }))

  it.effect("accepts CRLF line endings, a BOM and multi-line cues", () =>
    Effect.gen(function*() {
      const cues = yield* SubtitleFile.parseSrt("\uFEFF1\r\n01:02:03,004 --> 01:02:04,000\r\nline one\r\nline two\r\n")
      assert.strictEqual(cues.length, 1)
      assert.strictEqual(cues[0]!.startMs, 3_723_004)
      assert.strictEqual(cues[0]!.text, "line one\nline two")
    }))

  it.effect("rejects the broken fixture naming line 6 and the arrow", () =>
    Effect.gen(function*() {
      const error = yield* failure(SubtitleFile.parseSrt(fixture("broken.srt")))
      assert.include(error.message, "line 6")
      assert.include(error.message, `"-->"`)
      assert.strictEqual(error.field, "subtitles")
    }))

  it.effect("rejects an invalid timestamp with its line", () =>
    Effect.gen(function*() {
      const error = yield* failure(SubtitleFile.parseSrt("1\n00:00:00,000 --> 00:00:01,000\nok\n\n2\n00:61:00,000 --> 00:62:00,000\nbad\n"))
      assert.include(error.message, "line 6")
      assert.include(error.message, "00:61:00,000")
    }))

  it.effect("rejects a dot before the milliseconds (that is WebVTT, not SRT)", () =>
    Effect.gen(function*() {
      const error = yield* failure(SubtitleFile.parseSrt("1\n00:00:00.000 --> 00:00:01.000\nok\n"))
      assert.include(error.message, "line 2")
      assert.include(error.message, "comma")
    }))

  it.effect("rejects an end before the start", () =>
    Effect.gen(function*() {
      const error = yield* failure(SubtitleFile.parseSrt("1\n00:00:02,000 --> 00:00:01,000\nbackwards\n"))
      assert.include(error.message, "line 2")
      assert.include(error.message, "end time must be later")
    }))

  it.effect("rejects a cue without text, a cue without number, and an empty file", () =>
    Effect.gen(function*() {
      const noText = yield* failure(SubtitleFile.parseSrt("1\n00:00:00,000 --> 00:00:01,000\n\n2\n"))
      assert.include(noText.message, "line 3")
      assert.include(noText.message, "no text")
      const noNumber = yield* failure(SubtitleFile.parseSrt("00:00:00,000 --> 00:00:01,000\nhi\n"))
      assert.include(noNumber.message, "line 1")
      assert.include(noNumber.message, "no number")
      const empty = yield* failure(SubtitleFile.parseSrt("\n\n"))
      assert.include(empty.message, "no subtitle cues")
    }))
})

describe("SubtitleFile.vttToSrt", () => {
  it.effect("converts the sample WebVTT fixture (identifier, settings, short timestamps)", () =>
    Effect.gen(function*() {
      const srt = yield* SubtitleFile.vttToSrt(fixture("sample.fr.vtt"))
      assert.strictEqual(
        srt,
        "1\n00:00:00,000 --> 00:00:01,500\nBonjour de xmedia\n\n2\n00:00:01,600 --> 00:00:03,000\nDeuxième réplique\n"
      )
      // and the result is valid SRT
      const cues = yield* SubtitleFile.parseSrt(srt)
      assert.strictEqual(cues.length, 2)
    }))

  it.effect("skips NOTE/STYLE blocks, keeps b/i/u, drops other markup and decodes entities", () =>
    Effect.gen(function*() {
      const vtt = [
        "WEBVTT - with header",
        "Kind: captions",
        "",
        "STYLE",
        "::cue { color: red }",
        "",
        "NOTE a comment",
        "",
        "00:00:01.000 --> 00:00:02.000 line:0",
        "<v Roger>Hi <b.loud>there</b> &amp; <c.x>you</c> <00:00:01.500><i>again</i> &lt;3",
        ""
      ].join("\n")
      const srt = yield* SubtitleFile.vttToSrt(vtt)
      assert.strictEqual(srt, "1\n00:00:01,000 --> 00:00:02,000\nHi <b>there</b> & you <i>again</i> <3\n")
    }))

  it.effect("writes SRT its own parser reads back: no blank line in a cue, no escaped tag turned into markup", () =>
    Effect.gen(function*() {
      const vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nHello\n<c.x></c>\n&nbsp;\nWorld &lt;i&gt;not italic&lt;/i&gt;\n"
      const srt = yield* SubtitleFile.vttToSrt(vtt)
      assert.strictEqual(srt, "1\n00:00:01,000 --> 00:00:02,000\nHello\nWorld \u2039i>not italic\u2039/i>\n")
      const back = yield* SubtitleFile.parseSrt(srt)
      assert.strictEqual(back.length, 1)
      assert.strictEqual(back[0]!.text, "Hello\nWorld \u2039i>not italic\u2039/i>")
    }))

  it.effect("a cue right under the WEBVTT header asks for the blank line", () =>
    Effect.gen(function*() {
      const error = yield* failure(SubtitleFile.vttToSrt("WEBVTT\n00:00.000 --> 00:01.000\nhi\n"))
      assert.include(error.message, "line 2")
      assert.include(error.message, "a blank line must follow the WEBVTT header")
    }))

  it.effect("rejects a file without the WEBVTT header", () =>
    Effect.gen(function*() {
      const error = yield* failure(SubtitleFile.vttToSrt("00:00.000 --> 00:01.000\nhi\n"))
      assert.include(error.message, "line 1")
      assert.include(error.message, "WEBVTT")
    }))

  it.effect("rejects a bad timestamp with its line", () =>
    Effect.gen(function*() {
      const error = yield* failure(SubtitleFile.vttToSrt("WEBVTT\n\nid\n00:00:01,000 --> 00:00:02.000\nhi\n"))
      assert.include(error.message, "line 4")
    }))

  it.effect("toSrt detects the format", () =>
    Effect.gen(function*() {
      assert.strictEqual(SubtitleFile.detectFormat(fixture("sample.fr.vtt")), "vtt")
      assert.strictEqual(SubtitleFile.detectFormat(fixture("sample.en.srt")), "srt")
      const fromSrt = yield* SubtitleFile.toSrt(fixture("sample.en.srt"))
      assert.strictEqual(fromSrt, fixture("sample.en.srt").replace(/\r\n/g, "\n"))
    }))
})

describe("SubtitleFile.normalizeLanguage", () => {
  it.effect("normalises tags to two upper-case letters", () =>
    Effect.gen(function*() {
      for (const [input, expected] of [
        ["en-US", "EN"],
        ["en_us", "EN"],
        ["EN", "EN"],
        ["fr", "FR"],
        ["zh-Hant-TW", "ZH"],
        [" es ", "ES"],
        ["iw-IL", "HE"], // withdrawn codes Java and Android still produce
        ["in", "ID"],
        ["ji", "YI"]
      ]) {
        assert.strictEqual(yield* SubtitleFile.normalizeLanguage(input!), expected)
      }
    }))

  it.effect("rejects invalid codes with a message saying what to use", () =>
    Effect.gen(function*() {
      const eng = yield* failure(SubtitleFile.normalizeLanguage("eng"))
      assert.include(eng.message, `use "EN"`)
      assert.strictEqual(eng.field, "language_code")
      const sp = yield* failure(SubtitleFile.normalizeLanguage("sp"))
      assert.include(sp.message, `use "ES"`)
      const fil = yield* failure(SubtitleFile.normalizeLanguage("fil"))
      assert.include(fil.message, `use "TL"`)
      const xx = yield* failure(SubtitleFile.normalizeLanguage("xx"))
      assert.include(xx.message, "ISO 639-1")
      const empty = yield* failure(SubtitleFile.normalizeLanguage(""))
      assert.include(empty.message, "not a language code")
      const digits = yield* failure(SubtitleFile.normalizeLanguage("12"))
      assert.include(digits.message, "two-letter")
    }))
})
