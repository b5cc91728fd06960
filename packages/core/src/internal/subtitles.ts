/**
 * Pure SRT / WebVTT parsing. Errors carry the 1-based line number they refer to.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type { Cue } from "../SubtitleFile.js"

/** @internal */
export interface ParseFailure {
  readonly line: number
  readonly message: string
}

/** True when the first line (after an optional BOM) is `WEBVTT`: the file is WebVTT, otherwise SRT. @internal */
export const isWebVtt = (text: string): boolean => /^\uFEFF?WEBVTT(?:[ \t\r\n]|$)/.test(text)

const normalise = (text: string): Array<string> =>
  text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n")

const isBlank = (line: string | undefined): boolean => line === undefined || line.trim() === ""

const srtTime = /^(\d{1,3}):(\d{2}):(\d{2}),(\d{3})$/
const vttTime = /^(?:(\d{1,3}):)?(\d{2}):(\d{2})\.(\d{3})$/

const toMs = (h: string | undefined, m: string, s: string, ms: string): number | undefined => {
  const minutes = Number(m)
  const seconds = Number(s)
  if (minutes > 59 || seconds > 59) return undefined
  return ((Number(h ?? "0") * 60 + minutes) * 60 + seconds) * 1000 + Number(ms)
}

const parseTime = (
  raw: string,
  format: "srt" | "vtt"
): number | undefined => {
  const match = (format === "srt" ? srtTime : vttTime).exec(raw)
  if (match === null) return undefined
  return toMs(match[1], match[2]!, match[3]!, match[4]!)
}

const example = { srt: "00:00:01,000 --> 00:00:02,500", vtt: "00:00:01.000 --> 00:00:02.500" }

const parseTiming = (
  text: string,
  lineNo: number,
  format: "srt" | "vtt"
): Either.Either<{ startMs: number; endMs: number }, ParseFailure> => {
  const fail = (message: string) => Either.left({ line: lineNo, message })
  const trimmed = text.trim()
  const arrow = /^(\S+?)\s*-->\s*(\S+)(?:\s+.*)?$/.exec(trimmed)
  if (arrow === null) {
    if (/[-=]+>|→/.test(trimmed)) {
      return fail(`the arrow between the two timestamps must be "-->" (e.g. "${example[format]}"), found "${trimmed}"`)
    }
    return fail(`expected a timing line such as "${example[format]}", found "${trimmed}"`)
  }
  const startMs = parseTime(arrow[1]!, format)
  const endMs = parseTime(arrow[2]!, format)
  const shape = format === "srt" ? "HH:MM:SS,mmm (comma before the milliseconds)" : "HH:MM:SS.mmm or MM:SS.mmm"
  if (startMs === undefined) return fail(`the start time "${arrow[1]}" is not a valid timestamp: use ${shape}`)
  if (endMs === undefined) return fail(`the end time "${arrow[2]}" is not a valid timestamp: use ${shape}`)
  if (endMs <= startMs) {
    return fail(`the cue ends (${arrow[2]}) before or when it starts (${arrow[1]}): the end time must be later`)
  }
  return Either.right({ startMs, endMs })
}

/**
 * Parses SubRip text. Each cue is: a number, a timing line, one or more text lines, then a blank line.
 *
 * @internal
 */
export const parseSrt = (text: string): Either.Either<Array<Cue>, ParseFailure> => {
  const lines = normalise(text)
  const cues: Array<Cue> = []
  let i = 0
  while (i < lines.length) {
    if (isBlank(lines[i])) {
      i++
      continue
    }
    const blockLine = i + 1
    const indexText = lines[i]!.trim()
    if (!/^\d+$/.test(indexText)) {
      return Either.left({
        line: blockLine,
        message: indexText.includes("-->")
          ? `the cue starting here has no number: put the cue number (1, 2, 3...) on the line before its timing line`
          : `expected a cue number (a positive integer), found "${indexText}"`
      })
    }
    if (isBlank(lines[i + 1])) {
      return Either.left({
        line: blockLine + 1,
        message: `cue ${indexText} has no timing line: expected "${example.srt}" after the cue number`
      })
    }
    const timing = parseTiming(lines[i + 1]!, blockLine + 1, "srt")
    if (Either.isLeft(timing)) return Either.left(timing.left)
    let j = i + 2
    const body: Array<string> = []
    while (j < lines.length && !isBlank(lines[j])) {
      body.push(lines[j]!.trimEnd())
      j++
    }
    if (body.length === 0) {
      return Either.left({ line: blockLine + 2, message: `cue ${indexText} has no text: add at least one line of text` })
    }
    cues.push({ index: Number(indexText), ...timing.right, text: body.join("\n"), line: blockLine })
    i = j
  }
  if (cues.length === 0) return Either.left({ line: 1, message: "the file contains no subtitle cues" })
  return Either.right(cues)
}

const entities: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&nbsp;": "\u00A0",
  "&lrm;": "\u200E",
  "&rlm;": "\u200F",
  "&quot;": "\"",
  "&apos;": "'"
}

/**
 * Keeps the tags SRT players understand (b, i, u), drops every other WebVTT tag (voice, class, ruby, timestamps).
 * An escaped `&lt;` that would open a tag once decoded (`&lt;i&gt;`) becomes the look-alike `‹`: SRT has no escape,
 * and a player would read `<i>` as markup; any other `&lt;` (`&lt;3`) is a plain `<`.
 */
const vttTextToSrt = (text: string): string =>
  text
    .replace(/<(\/?)([biu])(?:\.[^\s>]*)?(?:\s[^>]*)?>/g, "\u0001$1$2\u0002")
    .replace(/<[^>]*>/g, "")
    .replace(/\u0001/g, "<")
    .replace(/\u0002/g, ">")
    .replace(/&lt;(?=\/?[A-Za-z])/g, "\u2039")
    .replace(/&(?:amp|lt|gt|nbsp|lrm|rlm|quot|apos);/g, (entity) => entities[entity] ?? entity)

/**
 * Parses WebVTT text into cues (NOTE, STYLE and REGION blocks are skipped; cue settings are dropped).
 *
 * @internal
 */
export const parseVtt = (text: string): Either.Either<Array<Cue>, ParseFailure> => {
  const lines = normalise(text)
  if (!/^WEBVTT(?:[ \t].*)?$/.test(lines[0] ?? "")) {
    return Either.left({ line: 1, message: `a WebVTT file must start with the line "WEBVTT"` })
  }
  let i = 1
  while (i < lines.length && !isBlank(lines[i])) {
    if (lines[i]!.includes("-->")) {
      return Either.left({
        line: i + 1,
        message: `a blank line must follow the WEBVTT header before the first cue ("${lines[i]!.trim()}")`
      })
    }
    i++
  }
  const cues: Array<Cue> = []
  while (i < lines.length) {
    if (isBlank(lines[i])) {
      i++
      continue
    }
    const blockLine = i + 1
    let j = i
    while (j < lines.length && !isBlank(lines[j])) j++
    const block = lines.slice(i, j)
    i = j
    const first = block[0]!
    if (/^(?:NOTE|STYLE|REGION)(?:[ \t]|$)/.test(first)) continue
    const timingOffset = first.includes("-->") ? 0 : 1
    const timingText = block[timingOffset]
    if (timingText === undefined) {
      return Either.left({
        line: blockLine + 1,
        message: `the cue "${first.trim()}" has no timing line: expected "${example.vtt}"`
      })
    }
    const timing = parseTiming(timingText, blockLine + timingOffset, "vtt")
    if (Either.isLeft(timing)) return Either.left(timing.left)
    // a line that holds only markup or spaces once converted would be a blank line inside an SRT cue: dropped
    const body = block.slice(timingOffset + 1).map((line) => vttTextToSrt(line).trimEnd())
      .filter((line) => line.replace(/\u00A0/g, " ").trim() !== "")
    const textBody = body.join("\n").trim()
    if (textBody === "") continue
    cues.push({ index: cues.length + 1, ...timing.right, text: textBody, line: blockLine })
  }
  if (cues.length === 0) return Either.left({ line: 1, message: "the file contains no subtitle cues" })
  return Either.right(cues)
}

const pad = (n: number, width: number) => String(n).padStart(width, "0")

/** @internal */
export const formatSrtTime = (ms: number): string => {
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / 60_000)
  const seconds = Math.floor((ms % 60_000) / 1000)
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)},${pad(ms % 1000, 3)}`
}

/** The cue text as SRT can carry it: no blank line inside a cue (a blank line ends it). */
const srtText = (text: string): string =>
  text.split("\n").filter((line) => line.trim() !== "").join("\n")

/** @internal */
export const formatSrt = (cues: ReadonlyArray<Pick<Cue, "startMs" | "endMs" | "text">>): string =>
  cues
    .map((cue, i) => `${i + 1}\n${formatSrtTime(cue.startMs)} --> ${formatSrtTime(cue.endMs)}\n${srtText(cue.text)}\n`)
    .join("\n")
