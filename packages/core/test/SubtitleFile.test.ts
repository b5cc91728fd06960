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

  it.effect("reads a dot before the milliseconds, a cue without number, and drops empty and zero-length cues", () =>
    Effect.gen(function*() {
      const cues = yield* SubtitleFile.parseSrt(fixture("repairable.srt"))
      assert.deepStrictEqual(cues, [
        { index: 1, startMs: 500, endMs: 1500, text: "Hello", line: 1 },
        { index: 2, startMs: 2000, endMs: 3250, text: "Two lines\nof text", line: 10 }
      ])
    }))

  it.effect("keeps the file's own cue numbers when nothing was repaired", () =>
    Effect.gen(function*() {
      const cues = yield* SubtitleFile.parseSrt("7\n00:00:00,000 --> 00:00:01,000\na\n\n9\n00:00:01,000 --> 00:00:02,000\nb\n")
      assert.deepStrictEqual(cues.map((c) => c.index), [7, 9])
    }))

  it.effect("rejects an end before the start", () =>
    Effect.gen(function*() {
      const error = yield* failure(SubtitleFile.parseSrt("1\n00:00:02,000 --> 00:00:01,000\nbackwards\n"))
      assert.include(error.message, "line 2")
      assert.include(error.message, "end time must be later")
    }))

  it.effect("rejects a number without timing line, text outside any cue, and an empty file", () =>
    Effect.gen(function*() {
      const noTiming = yield* failure(SubtitleFile.parseSrt("1\n00:00:00,000 --> 00:00:01,000\nok\n\n2\n"))
      assert.include(noTiming.message, "line 6")
      assert.include(noTiming.message, "cue 2 has no timing line")
      const stray = yield* failure(SubtitleFile.parseSrt("1\n00:00:00,000 --> 00:00:01,000\nfirst\n\nsecond\n"))
      assert.include(stray.message, "line 5")
      assert.include(stray.message, "text outside any cue")
      assert.include(stray.message, "remove the blank line")
      const empty = yield* failure(SubtitleFile.parseSrt("\n\n"))
      assert.include(empty.message, "no subtitle cues")
    }))
})

describe("SubtitleFile.repairSrt", () => {
  it.effect("leaves canonical SRT exactly as it is: CRLF, BOM, own numbers, cue settings", () =>
    Effect.gen(function*() {
      for (
        const text of [
          fixture("sample.en.srt"),
          "\uFEFF1\r\n01:02:03,004 --> 01:02:04,000 X1:10 X2:20\r\nline one\r\nline two\r\n",
          "5\n00:00:00,000 --> 00:00:01,000\na\n\n\n\n3\n00:00:00,500 --> 00:00:02,000\nb (overlaps a)"
        ]
      ) {
        const result = yield* SubtitleFile.repairSrt(text)
        assert.strictEqual(result.srt, text)
        assert.isFalse(result.changed)
        assert.deepStrictEqual(result.repairs, [])
      }
    }))

  it.effect("writes a dot before the milliseconds as a comma", () =>
    Effect.gen(function*() {
      const result = yield* SubtitleFile.repairSrt(
        "1\n00:00:01.000 --> 00:00:02.000\nHello\n\n2\n00:00:02,000 --> 00:00:03.500\nWorld\n"
      )
      assert.strictEqual(
        result.srt,
        "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:02,000 --> 00:00:03,500\nWorld\n"
      )
      assert.isTrue(result.changed)
      assert.deepStrictEqual(result.repairs.map((r) => [r.kind, r.lines]), [["dot-separator", [2, 6]]])
      assert.include(result.repairs[0]!.message, "2 timing lines had a dot before the milliseconds (lines 2, 6)")
    }))

  it.effect("numbers cues that have no number 1 to n", () =>
    Effect.gen(function*() {
      const result = yield* SubtitleFile.repairSrt(
        "00:00:01,000 --> 00:00:02,000\nHello\n\n8\n00:00:02,000 --> 00:00:03,000\nThere\n\n" +
          "00:00:03,000 --> 00:00:04,000\nWorld\n"
      )
      assert.strictEqual(
        result.srt,
        "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:02,000 --> 00:00:03,000\nThere\n\n" +
          "3\n00:00:03,000 --> 00:00:04,000\nWorld\n"
      )
      assert.deepStrictEqual(result.repairs.map((r) => [r.kind, r.lines]), [["missing-number", [1, 8]]])
      assert.deepStrictEqual(result.cues.map((c) => [c.index, c.line]), [[1, 1], [2, 4], [3, 8]])
    }))

  it.effect("drops cues without text (auto-generated subtitles) and renumbers the rest", () =>
    Effect.gen(function*() {
      const result = yield* SubtitleFile.repairSrt(
        "1\n00:00:00,000 --> 00:00:01,000\n\n2\n00:00:01,000 --> 00:00:02,000\nspeech\n\n" +
          "3\n00:00:02,000 --> 00:00:03,000\n   \n4\n00:00:03,000 --> 00:00:04,000\nmore\n"
      )
      assert.strictEqual(
        result.srt,
        "1\n00:00:01,000 --> 00:00:02,000\nspeech\n\n2\n00:00:03,000 --> 00:00:04,000\nmore\n"
      )
      assert.deepStrictEqual(result.repairs.map((r) => [r.kind, r.lines]), [["empty-text", [2, 9]]])
      assert.include(result.repairs[0]!.message, "2 cues had no text (lines 2, 9): dropped")
    }))

  it.effect("drops cues that end when they start", () =>
    Effect.gen(function*() {
      const result = yield* SubtitleFile.repairSrt(
        "1\n00:00:01,000 --> 00:00:01,000\nflash\n\n2\n00:00:01,000 --> 00:00:02,000\nstays\n"
      )
      assert.strictEqual(result.srt, "1\n00:00:01,000 --> 00:00:02,000\nstays\n")
      assert.deepStrictEqual(result.repairs.map((r) => [r.kind, r.lines]), [["zero-length", [2]]])
      assert.include(result.repairs[0]!.message, "1 cue ended when it started (line 2): dropped")
    }))

  it.effect("repairs every variant in one file, in CRLF, into the canonical SRT fixture", () =>
    Effect.gen(function*() {
      const result = yield* SubtitleFile.repairSrt(fixture("repairable.srt"))
      assert.strictEqual(result.srt, fixture("repairable.repaired.srt"))
      assert.deepStrictEqual(result.repairs.map((r) => [r.kind, r.lines]), [
        ["dot-separator", [1, 5]],
        ["missing-number", [1, 7]],
        ["empty-text", [5]],
        ["zero-length", [7]]
      ])
      // the repaired text is canonical: repairing it again changes nothing
      const again = yield* SubtitleFile.repairSrt(result.srt)
      assert.isFalse(again.changed)
      assert.strictEqual(again.srt, result.srt)
    }))

  it.effect("does what its JSDoc example says", () =>
    Effect.gen(function*() {
      const result = yield* SubtitleFile.repairSrt(
        "00:00:01.000 --> 00:00:02.000\nHello\n\n00:00:02.000 --> 00:00:02.000\n\n"
      )
      assert.strictEqual(result.srt, "1\n00:00:01,000 --> 00:00:02,000\nHello\n")
      assert.isTrue(result.changed)
      assert.deepStrictEqual(result.cues, [{ index: 1, startMs: 1000, endMs: 2000, text: "Hello", line: 1 }])
      assert.deepStrictEqual(result.repairs.map((r) => [r.kind, r.lines]), [
        ["dot-separator", [1, 4]],
        ["missing-number", [1, 4]],
        ["empty-text", [4]]
      ])
    }))

  it.effect("a file whose every cue is empty or zero-length fails: no cue with text", () =>
    Effect.gen(function*() {
      const error = yield* failure(
        SubtitleFile.repairSrt("\n1\n00:00:00,000 --> 00:00:01,000\n\n2\n00:00:01,000 --> 00:00:01,000\nflash\n")
      )
      assert.strictEqual(error.field, "subtitles")
      assert.include(error.message, "Invalid SRT, line 2: the file has no cue with text")
      assert.include(error.message, "2 cues are all empty or end when they start")
    }))

  it.effect("still refuses, naming the line and the fix: short milliseconds, end before start, a missing blank line", () =>
    Effect.gen(function*() {
      const ok = "1\n00:00:00,000 --> 00:00:01,000\nok\n\n"
      const shortMs = yield* failure(SubtitleFile.repairSrt(`${ok}2\n00:00:01,00 --> 00:00:02,000\nbad\n`))
      assert.include(shortMs.message, "Invalid SRT, line 6:")
      assert.include(shortMs.message, `the start time "00:00:01,00" has 2 digits after the ","`)
      assert.include(shortMs.message, "write milliseconds with three digits")
      const shortDot = yield* failure(SubtitleFile.repairSrt(`${ok}00:00:01.000 --> 00:00:02.5\nbad\n`))
      assert.include(shortDot.message, "line 5:")
      assert.include(shortDot.message, "write milliseconds with three digits")
      const backwards = yield* failure(SubtitleFile.repairSrt(`${ok}2\n00:00:03.000 --> 00:00:02.000\nbad\n`))
      assert.include(backwards.message, "line 6:")
      assert.include(backwards.message, "before it starts")
      const glued = yield* failure(
        SubtitleFile.repairSrt("1\n00:00:00,000 --> 00:00:01,000\nfirst\n2\n00:00:01,000 --> 00:00:02,000\nsecond\n")
      )
      assert.include(glued.message, "line 5:")
      assert.include(glued.message, "a second timing line inside the cue that starts at line 1")
      assert.include(glued.message, "put one before line 4")
      const arrow = yield* failure(SubtitleFile.repairSrt(fixture("broken.srt")))
      assert.include(arrow.message, "line 6")
      assert.include(arrow.message, `"-->"`)
      const minutes = yield* failure(SubtitleFile.repairSrt(`${ok}2\n00:61:00,000 --> 00:62:00,000\nbad\n`))
      assert.include(minutes.message, "line 6")
      assert.include(minutes.message, "go up to 59")
    }))
})

describe("SubtitleFile.decodeUtf8", () => {
  it.effect("decodes UTF-8 (dropping a BOM) and refuses another encoding naming the line", () =>
    Effect.gen(function*() {
      const utf8 = new TextEncoder().encode("\uFEFF1\n00:00:00,000 --> 00:00:01,000\nDeuxième réplique\n")
      assert.strictEqual(yield* SubtitleFile.decodeUtf8(utf8), "1\n00:00:00,000 --> 00:00:01,000\nDeuxième réplique\n")
      const latin1 = new Uint8Array(readFileSync(fileURLToPath(new URL("./fixtures/latin1.srt", import.meta.url))))
      const error = yield* failure(SubtitleFile.decodeUtf8(latin1))
      assert.strictEqual(error.message.startsWith("Not UTF-8, line 3: byte 0xE9 is not UTF-8"), true, error.message)
      assert.include(error.message, "save the file as UTF-8")
      // CRLF and a lone CR end lines as the parser counts them; a truncated sequence and a surrogate are not UTF-8
      const crlf = yield* failure(SubtitleFile.decodeUtf8(new Uint8Array([0x61, 0x0d, 0x0a, 0x62, 0x0d, 0x63, 0xc3])))
      assert.include(crlf.message, "line 3: byte 0xC3")
      const surrogate = yield* failure(SubtitleFile.decodeUtf8(new Uint8Array([0xed, 0xa0, 0x80])))
      assert.include(surrogate.message, "line 1: byte 0xED")
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
