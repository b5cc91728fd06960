/**
 * Subtitle files as X wants them: SubRip (SRT) parsing with line-numbered errors, repair of the common departures
 * from canonical SRT, WebVTT to SRT conversion, and language-code normalisation (`en-US` -> `EN`).
 *
 * Four departures that tools and auto-generated subtitles often make are repaired rather than refused (`repairSrt`
 * says which, on which lines): a dot before the milliseconds (`00:00:01.000`, written back with a comma), a cue
 * without its number (the cues are numbered 1 to n), a cue without text and a cue that ends when it starts (both
 * dropped: they show nothing). A file that needs none of this is left exactly as it is. Everything else that is
 * not SRT is refused.
 *
 * `Preflight` (and so `Uploader.uploadFile`) applies the same repairs: an SRT file that needed one is uploaded as the
 * canonical SRT (`Preflight.Inspection.subtitles.canonical`, with `subtitles.repaired` listing what was done), one
 * that did not is uploaded byte for byte.
 *
 * Everything here is local: nothing touches the network, and every failure is an `XError.InvalidInput` whose
 * message names the line (or the value) and says what to change.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SubtitleFile } from "@xmedia/core"
 *
 * const program = Effect.gen(function*() {
 *   const srt = yield* SubtitleFile.vttToSrt("WEBVTT\n\n00:01.000 --> 00:02.500\nHello\n")
 *   const cues = yield* SubtitleFile.parseSrt(srt)       // [{ index: 1, startMs: 1000, endMs: 2500, ... }]
 *   const language = yield* SubtitleFile.normalizeLanguage("en-US") // "EN"
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Either } from "effect"
import * as Ids from "./Ids.js"
import { iso6391, suggestions, withdrawn } from "./internal/languages.js"
import * as internal from "./internal/subtitles.js"
import * as XError from "./XError.js"

/**
 * One subtitle cue: its number, start and end (milliseconds from the start of the video), its text (lines joined
 * with `\n`), and the 1-based line of the file where it starts.
 *
 * @since 0.1.0
 */
export interface Cue {
  readonly index: number
  readonly startMs: number
  readonly endMs: number
  readonly text: string
  readonly line: number
}

/**
 * What `repairSrt` can repair in an SRT file:
 *
 * - `"dot-separator"`: a timestamp with a dot before the milliseconds (`00:00:01.000`), the WebVTT way; written
 *   with a comma (`00:00:01,000`).
 * - `"missing-number"`: a cue that starts with its timing line; the cues are numbered 1 to n.
 * - `"empty-text"`: a cue with a timing line but no text; dropped.
 * - `"zero-length"`: a cue whose end is its start; dropped. (An end before the start is refused, not repaired.)
 *
 * @since 0.1.0
 */
export type RepairKind = "dot-separator" | "missing-number" | "empty-text" | "zero-length"

/**
 * One kind of repair made to an SRT file: its kind, the 1-based lines where it was made (the timing line of each
 * cue concerned), and a sentence to log (`"2 cues had no text (lines 5, 9): dropped, as they show nothing"`).
 *
 * @since 0.1.0
 */
export interface Repair {
  readonly kind: RepairKind
  readonly lines: ReadonlyArray<number>
  readonly message: string
}

/**
 * What `repairSrt` returns.
 *
 * - `srt`: the SRT to use. The text itself (the same string) when it needed no repair; otherwise canonical SRT as
 *   `formatSrt` writes it: cues numbered from 1, `HH:MM:SS,mmm`, `\n` line ends, a blank line between cues, no BOM.
 * - `changed`: `true` when `srt` is a rewrite (then `repairs` is not empty).
 * - `cues`: the cues kept; `index` is each cue's number in `srt`, `line` where it starts in the text given.
 * - `repairs`: one entry per kind of repair made, in the order of `RepairKind`; empty when nothing was repaired.
 *
 * @since 0.1.0
 */
export interface RepairedSrt {
  readonly srt: string
  readonly changed: boolean
  readonly cues: ReadonlyArray<Cue>
  readonly repairs: ReadonlyArray<Repair>
}

/**
 * The two subtitle formats X's v2 initialize accepts (`text/srt`, `text/vtt`).
 *
 * @since 0.1.0
 */
export type Format = "srt" | "vtt"

const invalid = (endpoint: string, field: string, failure: internal.ParseFailure, what: string) =>
  new XError.InvalidInput({ endpoint, field, message: `${what}, line ${failure.line}: ${failure.message}` })

/**
 * Tells SRT from WebVTT by content: a file whose first line (after an optional BOM) is `WEBVTT` is WebVTT,
 * anything else is treated as SRT.
 *
 * @since 0.1.0
 */
export const detectFormat = (text: string): Format => internal.isWebVtt(text) ? "vtt" : "srt"

/**
 * Parses a SubRip file, repairing what `repairSrt` repairs: the cues returned are the ones kept, numbered as in the
 * SRT `repairSrt` would give (1 to n when anything was repaired, the file's own numbers otherwise).
 *
 * Fails with `XError.InvalidInput` naming the line of the first problem that cannot be repaired: a cue number
 * without a timing line, text outside any cue (a blank line inside a cue's text), a malformed timing line or arrow
 * (`->` instead of `-->`), an invalid timestamp (`00:61:00,000`; milliseconds not written with three digits, such
 * as `00:00:01,50`), an end before the start, a second timing line inside a cue (a missing blank line between two
 * cues), a file without cues, or a file whose every cue is empty or ends when it starts (no cue with text).
 *
 * @example
 * ```ts
 * SubtitleFile.parseSrt("1\n00:00:00,000 --> 00:00:01,500\nHello\n")
 * // Effect.succeed([{ index: 1, startMs: 0, endMs: 1500, text: "Hello", line: 1 }])
 * ```
 *
 * @since 0.1.0
 */
export const parseSrt: (text: string) => Effect.Effect<ReadonlyArray<Cue>, XError.InvalidInput> = Effect.fn(
  "SubtitleFile.parseSrt"
)(function*(text: string) {
  const result = internal.readSrt(text)
  if (Either.isLeft(result)) {
    return yield* invalid("SubtitleFile.parseSrt", "subtitles", result.left, "Invalid SRT")
  }
  return result.right.cues
})

/**
 * Checks an SRT file and repairs what tools commonly get wrong (see `RepairKind`): a dot before the milliseconds,
 * missing cue numbers, cues without text, cues that end when they start. A file that needs no repair comes back
 * unchanged (`changed: false`, `srt` is the very text given, CRLF and BOM included); one that did comes back as
 * canonical SRT, with the list of `repairs` to log. Fails like `parseSrt` on anything else, naming the line.
 *
 * @example
 * ```ts
 * SubtitleFile.repairSrt("00:00:01.000 --> 00:00:02.000\nHello\n\n00:00:02.000 --> 00:00:02.000\n\n")
 * // Effect.succeed({
 * //   srt: "1\n00:00:01,000 --> 00:00:02,000\nHello\n",
 * //   changed: true,
 * //   cues: [{ index: 1, startMs: 1000, endMs: 2000, text: "Hello", line: 1 }],
 * //   repairs: [{ kind: "dot-separator", lines: [1, 4], ... }, { kind: "missing-number", lines: [1, 4], ... },
 * //             { kind: "empty-text", lines: [4], ... }]
 * // })
 * ```
 *
 * @since 0.1.0
 */
export const repairSrt: (text: string) => Effect.Effect<RepairedSrt, XError.InvalidInput> = Effect.fn(
  "SubtitleFile.repairSrt"
)(function*(text: string) {
  const result = internal.readSrt(text)
  if (Either.isLeft(result)) {
    return yield* invalid("SubtitleFile.repairSrt", "subtitles", result.left, "Invalid SRT")
  }
  const { cues, repaired, repairs } = result.right
  return { srt: repaired ?? text, changed: repaired !== undefined, cues, repairs } satisfies RepairedSrt
})

/**
 * Decodes the bytes of a subtitle file as UTF-8, the only encoding xmedia sends (a BOM is dropped). Text in
 * another encoding (Windows-1252, Latin-1...) fails with `XError.InvalidInput` naming the line of the first byte
 * that is not UTF-8 and asking for the file to be saved as UTF-8.
 *
 * @example
 * ```ts
 * SubtitleFile.decodeUtf8(new Uint8Array([0x31, 0x0a, 0xe9])) // fails: "Not UTF-8, line 2: byte 0xE9 ..."
 * ```
 *
 * @since 0.1.0
 */
export const decodeUtf8: (bytes: Uint8Array) => Effect.Effect<string, XError.InvalidInput> = Effect.fn(
  "SubtitleFile.decodeUtf8"
)(function*(bytes: Uint8Array) {
  const result = internal.decodeUtf8(bytes)
  if (Either.isLeft(result)) {
    return yield* invalid("SubtitleFile.decodeUtf8", "subtitles", result.left, "Not UTF-8")
  }
  return result.right
})

/**
 * Parses a WebVTT file into cues (NOTE, STYLE and REGION blocks are skipped, cue identifiers and settings
 * dropped, and markup other than `<b>`, `<i>`, `<u>` removed).
 *
 * @since 0.1.0
 */
export const parseVtt: (text: string) => Effect.Effect<ReadonlyArray<Cue>, XError.InvalidInput> = Effect.fn(
  "SubtitleFile.parseVtt"
)(function*(text: string) {
  const result = internal.parseVtt(text)
  if (Either.isLeft(result)) {
    return yield* invalid("SubtitleFile.parseVtt", "subtitles", result.left, "Invalid WebVTT")
  }
  return result.right
})

/**
 * Writes cues as SRT text: renumbered from 1, `HH:MM:SS,mmm` timestamps, a blank line between cues.
 *
 * @since 0.1.0
 */
export const formatSrt = (cues: ReadonlyArray<Pick<Cue, "startMs" | "endMs" | "text">>): string =>
  internal.formatSrt(cues)

/**
 * Converts WebVTT text to SRT (see `parseVtt` for what is kept). Fails with `XError.InvalidInput` naming the
 * line of the first problem.
 *
 * @example
 * ```ts
 * SubtitleFile.vttToSrt("WEBVTT\n\n00:01.600 --> 00:03.000 align:start\nSecond\n")
 * // Effect.succeed("1\n00:00:01,600 --> 00:00:03,000\nSecond\n")
 * ```
 *
 * @since 0.1.0
 */
export const vttToSrt: (text: string) => Effect.Effect<string, XError.InvalidInput> = Effect.fn(
  "SubtitleFile.vttToSrt"
)(function*(text: string) {
  const result = internal.parseVtt(text)
  if (Either.isLeft(result)) {
    return yield* invalid("SubtitleFile.vttToSrt", "subtitles", result.left, "Invalid WebVTT")
  }
  return internal.formatSrt(result.right)
})

/**
 * Returns SRT for either format: WebVTT is converted, SRT is validated (repaired as `parseSrt` does) and rewritten
 * in canonical form, even when it needed no repair (use `repairSrt` to keep such a file as it is).
 *
 * @since 0.1.0
 */
export const toSrt = (text: string): Effect.Effect<string, XError.InvalidInput> =>
  detectFormat(text) === "vtt" ? vttToSrt(text) : Effect.map(parseSrt(text), internal.formatSrt)

/**
 * Turns a user-supplied language tag into the two upper-case letters X's subtitles endpoints want:
 * `en-US`, `en_us`, `EN`, `fr`, `zh-Hant-TW` -> `EN`, `EN`, `EN`, `FR`, `ZH`; the withdrawn `iw`, `in`, `ji` (still
 * produced by Java and Android) -> `HE`, `ID`, `YI`.
 *
 * Only the primary subtag counts, and it must be an ISO 639-1 code. Anything else fails with
 * `XError.InvalidInput` saying what to use instead (`eng` -> "use EN", `sp` -> "use ES").
 *
 * @since 0.1.0
 */
export const normalizeLanguage: (input: string) => Effect.Effect<Ids.LanguageCode, XError.InvalidInput> = Effect.fn(
  "SubtitleFile.normalizeLanguage"
)(function*(input: string) {
  const fail = (message: string) =>
    new XError.InvalidInput({ endpoint: "SubtitleFile.normalizeLanguage", field: "language_code", message })
  const trimmed = input.trim()
  const given = trimmed.split(/[-_]/)[0]!.toLowerCase()
  const primary = withdrawn[given] ?? given
  if (trimmed === "" || !/^[a-z]+$/.test(primary)) {
    return yield* fail(
      `"${input}" is not a language code: give a two-letter ISO 639-1 code such as "EN" or "FR" (a region such as "en-US" is allowed and dropped)`
    )
  }
  if (primary.length !== 2 || !iso6391.has(primary)) {
    const hint = suggestions[primary]
    return yield* fail(
      hint !== undefined
        ? `"${input}" is not an ISO 639-1 code: use "${hint.toUpperCase()}"`
        : `"${input}" is not an ISO 639-1 language code: use two letters such as "EN", "FR", "ES" or "JA"`
    )
  }
  return Ids.LanguageCode.make(primary.toUpperCase())
})
