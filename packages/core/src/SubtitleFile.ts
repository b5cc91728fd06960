/**
 * Subtitle files as X wants them: SubRip (SRT) parsing with line-numbered errors, WebVTT to SRT conversion, and
 * language-code normalisation (`en-US` -> `EN`).
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
 * Parses a SubRip file. Fails with `XError.InvalidInput` naming the line of the first problem: a missing cue
 * number, a malformed timing line or arrow (`->` instead of `-->`), an invalid timestamp, an end before the start,
 * a cue without text, or a file without cues.
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
  const result = internal.parseSrt(text)
  if (Either.isLeft(result)) {
    return yield* invalid("SubtitleFile.parseSrt", "subtitles", result.left, "Invalid SRT")
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
 * Returns SRT for either format: WebVTT is converted, SRT is validated and rewritten in canonical form.
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
