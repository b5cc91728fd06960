/**
 * Parsing and checking the CLI's inputs before anything is uploaded: the `file:LANG[:name]` subtitle spec, the video
 * file, and each subtitle file (parsed as SRT or WebVTT, so broken timestamps are caught locally with their line).
 *
 * Every failure is a `BadInput` whose message is one line saying what to fix (exit code 2).
 *
 * @since 0.1.0
 */
import { FileSystem, Path } from "@effect/platform"
import { Ids, SubtitleFile } from "@xmedia/core"
import { Effect } from "effect"
import { BadInput } from "./Failure.js"

/**
 * One subtitle track requested on the command line or in a flow file.
 *
 * @since 0.1.0
 */
export interface SubtitleTrack {
  /** Path of the SRT (or WebVTT) file. */
  readonly file: string
  /** X's two-letter upper-case code, e.g. `EN`. */
  readonly language: Ids.LanguageCode
  /** Human-readable name shown by players, e.g. `English`. */
  readonly name: string
}

/**
 * A language's English name for a two-letter code (`FR` -> `French`), or the code itself.
 *
 * @since 0.1.0
 */
export const languageName = (code: string): string => {
  try {
    return new Intl.DisplayNames(["en"], { type: "language", fallback: "code" }).of(code.toLowerCase()) ?? code
  } catch {
    return code
  }
}

/**
 * Parses `file:LANG[:name]` (e.g. `captions.fr.srt:fr:Français`). The language may be `en`, `EN` or `en-US`.
 *
 * @since 0.1.0
 */
export const parseSubtitleSpec = (spec: string): Effect.Effect<SubtitleTrack, BadInput> =>
  Effect.gen(function*() {
    const parts = spec.split(":")
    const file = parts[0] ?? ""
    const lang = parts[1]
    if (file.trim() === "" || lang === undefined || lang.trim() === "") {
      return yield* new BadInput({
        message: `--subtitles "${spec}" must be file:LANG[:name], e.g. captions.en.srt:en or captions.fr.srt:fr:Français`
      })
    }
    const rest = parts.slice(2).join(":").trim()
    return yield* makeTrack(file, lang, rest === "" ? undefined : rest).pipe(
      Effect.mapError((e) => new BadInput({ message: `--subtitles "${spec}": ${e.message}` }))
    )
  })

/**
 * A track from its parts: the language is normalized (`en-US` -> `EN`); the name defaults to the language's name.
 *
 * @since 0.1.0
 */
export const makeTrack = (
  file: string,
  language: string,
  name: string | undefined
): Effect.Effect<SubtitleTrack, BadInput> =>
  SubtitleFile.normalizeLanguage(language).pipe(
    Effect.mapError((e) => new BadInput({ message: e.message })),
    Effect.map((code) => ({ file, language: code, name: name ?? languageName(code) }))
  )

/**
 * Checks a subtitle file: it exists, is not empty, and parses as SRT or WebVTT. Returns the number of cues.
 *
 * @since 0.1.0
 */
export const checkSubtitleFile = (track: SubtitleTrack) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* readText(fs, track.file, "subtitle file")
    if (text.trim() === "") {
      return yield* new BadInput({ message: `subtitle file ${track.file} is empty: give an SRT file with at least one cue` })
    }
    const parse = SubtitleFile.detectFormat(text) === "vtt" ? SubtitleFile.parseVtt : SubtitleFile.parseSrt
    const cues = yield* parse(text).pipe(
      Effect.mapError((e) => new BadInput({ message: `subtitle file ${track.file}: ${e.message}` }))
    )
    if (cues.length === 0) {
      return yield* new BadInput({ message: `subtitle file ${track.file} has no cues: give at least one` })
    }
    return cues.length
  })

const readText = (fs: FileSystem.FileSystem, file: string, what: string) =>
  Effect.gen(function*() {
    const info = yield* fs.stat(file).pipe(
      Effect.mapError(() => new BadInput({ message: `${what} ${file} does not exist: check the path` }))
    )
    if (info.type !== "File") {
      return yield* new BadInput({ message: `${what} ${file} is not a file (${info.type}): give a file path` })
    }
    return yield* fs.readFileString(file).pipe(
      Effect.mapError(() => new BadInput({ message: `${what} ${file} cannot be read: check its permissions` }))
    )
  })

/**
 * Checks the video file: it exists, is a regular non-empty file, and its bytes are an MP4/MOV container.
 *
 * @since 0.1.0
 */
export const checkVideoFile = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const info = yield* fs.stat(file).pipe(
      Effect.mapError(() => new BadInput({ message: `video ${file} does not exist: check the path` }))
    )
    if (info.type !== "File") {
      return yield* new BadInput({ message: `video ${file} is not a file (${info.type}): give an MP4 file` })
    }
    const size = Number(info.size)
    if (size === 0) return yield* new BadInput({ message: `video ${file} is empty: give an MP4 file` })
    const head = yield* Effect.scoped(
      Effect.gen(function*() {
        const handle = yield* fs.open(file, { flag: "r" })
        return yield* handle.readAlloc(FileSystem.Size(Math.min(size, 16)))
      })
    ).pipe(Effect.mapError(() => new BadInput({ message: `video ${file} cannot be read: check its permissions` })))
    const bytes = head._tag === "Some" ? head.value : new Uint8Array()
    const isMp4 = bytes.length >= 8 && String.fromCharCode(...bytes.slice(4, 8)) === "ftyp"
    if (!isMp4) {
      return yield* new BadInput({
        message: `${path.basename(file)} is not a video (its bytes are not MP4/MOV): give an H.264 MP4 file`
      })
    }
    return { file, size }
  })

/**
 * A `BadInput` failure with this message.
 *
 * @since 0.1.0
 */
export const bad = (message: string): Effect.Effect<never, BadInput> => Effect.fail(new BadInput({ message }))

/**
 * Refuses two tracks with the same language (X keeps one track per language).
 *
 * @since 0.1.0
 */
export const checkDistinctLanguages = (tracks: ReadonlyArray<SubtitleTrack>): Effect.Effect<void, BadInput> => {
  const seen = new Set<string>()
  for (const t of tracks) {
    if (seen.has(t.language)) {
      return bad(`two subtitle tracks use language ${t.language}: give each language once`)
    }
    seen.add(t.language)
  }
  return Effect.void
}

/**
 * Refuses alt text X would refuse (empty or over 1000 characters).
 *
 * @since 0.1.0
 */
export const checkAltText = (alt: string): Effect.Effect<void, BadInput> =>
  alt.trim() === ""
    ? bad("--alt is empty: give a short description of the media, or leave --alt out")
    : [...alt].length > 1000
    ? bad(`--alt is ${[...alt].length} characters: X takes at most 1000`)
    : Effect.void
