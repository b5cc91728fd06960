/**
 * Pure SRT / WebVTT parsing. Errors carry the 1-based line number they refer to.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type { Cue, Repair, RepairKind } from "../SubtitleFile.js"

/** @internal */
export interface ParseFailure {
  readonly line: number
  readonly message: string
}

/** True when the first line (after an optional BOM) is `WEBVTT`: the file is WebVTT, otherwise SRT. @internal */
export const isWebVtt = (text: string): boolean => /^\uFEFF?WEBVTT(?:[ \t\r\n]|$)/.test(text)

/** The offset of the first byte that does not belong to a valid UTF-8 sequence, or -1 when all of them do. */
const firstInvalidUtf8 = (bytes: Uint8Array): number => {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]!
    if (b < 0x80) {
      i++
      continue
    }
    // the range of the second byte depends on the first (no overlong forms, no surrogates, nothing past U+10FFFF)
    let need: number
    let lower = 0x80
    let upper = 0xbf
    if (b >= 0xc2 && b <= 0xdf) need = 1
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2
      if (b === 0xe0) lower = 0xa0
      if (b === 0xed) upper = 0x9f
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3
      if (b === 0xf0) lower = 0x90
      if (b === 0xf4) upper = 0x8f
    } else return i
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]
      if (c === undefined || c < (k === 1 ? lower : 0x80) || c > (k === 1 ? upper : 0xbf)) return i
    }
    i += need + 1
  }
  return -1
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * Decodes subtitle bytes as UTF-8 (a BOM is dropped). Bytes that are not UTF-8 fail naming the line of the first
 * such byte (lines end at LF, CRLF or a lone CR, as the parsers count them).
 *
 * @internal
 */
export const decodeUtf8 = (bytes: Uint8Array): Either.Either<string, ParseFailure> => {
  const bad = firstInvalidUtf8(bytes)
  if (bad < 0) return Either.right(utf8.decode(bytes))
  let line = 1
  for (let i = 0; i < bad; i++) {
    if (bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)) line++
  }
  const hex = bytes[bad]!.toString(16).toUpperCase().padStart(2, "0")
  return Either.left({
    line,
    message: `byte 0x${hex} is not UTF-8: the text is in another encoding (often Windows-1252 or Latin-1); ` +
      `save the file as UTF-8`
  })
}

const normalise = (text: string): Array<string> =>
  text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n")

const isBlank = (line: string | undefined): boolean => line === undefined || line.trim() === ""

const vttTime = /^(?:(\d{1,3}):)?(\d{2}):(\d{2})\.(\d{3})$/

const toMs = (h: string | undefined, m: string, s: string, ms: string): number | undefined => {
  const minutes = Number(m)
  const seconds = Number(s)
  if (minutes > 59 || seconds > 59) return undefined
  return ((Number(h ?? "0") * 60 + minutes) * 60 + seconds) * 1000 + Number(ms)
}

const parseVttTime = (raw: string): number | undefined => {
  const match = vttTime.exec(raw)
  if (match === null) return undefined
  return toMs(match[1], match[2]!, match[3]!, match[4]!)
}

const example = { srt: "00:00:01,000 --> 00:00:02,500", vtt: "00:00:01.000 --> 00:00:02.500" }

const parseVttTiming = (
  text: string,
  lineNo: number
): Either.Either<{ startMs: number; endMs: number }, ParseFailure> => {
  const fail = (message: string) => Either.left({ line: lineNo, message })
  const trimmed = text.trim()
  const arrow = /^(\S+?)\s*-->\s*(\S+)(?:\s+.*)?$/.exec(trimmed)
  if (arrow === null) {
    if (/[-=]+>|→/.test(trimmed)) {
      return fail(`the arrow between the two timestamps must be "-->" (e.g. "${example.vtt}"), found "${trimmed}"`)
    }
    return fail(`expected a timing line such as "${example.vtt}", found "${trimmed}"`)
  }
  const startMs = parseVttTime(arrow[1]!)
  const endMs = parseVttTime(arrow[2]!)
  const shape = "HH:MM:SS.mmm or MM:SS.mmm"
  if (startMs === undefined) return fail(`the start time "${arrow[1]}" is not a valid timestamp: use ${shape}`)
  if (endMs === undefined) return fail(`the end time "${arrow[2]}" is not a valid timestamp: use ${shape}`)
  if (endMs <= startMs) {
    return fail(`the cue ends (${arrow[2]}) before or when it starts (${arrow[1]}): the end time must be later`)
  }
  return Either.right({ startMs, endMs })
}

const srtStamp = /^(\d{1,3}):(\d{2}):(\d{2})([,.])(\d+)$/

/** Two timestamps around an arrow, as loose as a timing line can be (to spot one where cue text should be). */
const looksLikeTiming = /^\d+:\d{2}(?::\d{2})?[,.]\d+\s*-->\s*\d+:\d{2}(?::\d{2})?[,.]\d+(?:\s.*)?$/

const readSrtStamp = (raw: string, which: "start" | "end"): Either.Either<{ ms: number; dot: boolean }, string> => {
  const match = srtStamp.exec(raw)
  if (match === null) {
    return Either.left(
      `the ${which} time "${raw}" is not a valid timestamp: use HH:MM:SS,mmm (e.g. "00:01:02,500")`
    )
  }
  const digits = match[5]!
  if (digits.length !== 3) {
    return Either.left(
      `the ${which} time "${raw}" has ${digits.length} digit${digits.length === 1 ? "" : "s"} after the "${match[4]}": ` +
        `write milliseconds with three digits (HH:MM:SS,mmm: "00:00:01,050" is 50 ms, "00:00:01,500" half a second)`
    )
  }
  const ms = toMs(match[1], match[2]!, match[3]!, digits)
  if (ms === undefined) {
    return Either.left(
      `the ${which} time "${raw}" is not a valid timestamp: minutes and seconds go up to 59 (HH:MM:SS,mmm)`
    )
  }
  return Either.right({ ms, dot: match[4] === "." })
}

/** An SRT timing line; `dot` when a timestamp has a dot before its milliseconds. An end equal to the start is read. */
const readSrtTiming = (
  text: string,
  lineNo: number
): Either.Either<{ startMs: number; endMs: number; dot: boolean }, ParseFailure> => {
  const fail = (message: string) => Either.left({ line: lineNo, message })
  const trimmed = text.trim()
  const arrow = /^(\S+?)\s*-->\s*(\S+)(?:\s+.*)?$/.exec(trimmed)
  if (arrow === null) {
    if (/[-=]+>|→/.test(trimmed)) {
      return fail(`the arrow between the two timestamps must be "-->" (e.g. "${example.srt}"), found "${trimmed}"`)
    }
    return fail(`expected a timing line such as "${example.srt}", found "${trimmed}"`)
  }
  const start = readSrtStamp(arrow[1]!, "start")
  if (Either.isLeft(start)) return fail(start.left)
  const end = readSrtStamp(arrow[2]!, "end")
  if (Either.isLeft(end)) return fail(end.left)
  if (end.right.ms < start.right.ms) {
    return fail(`the cue ends (${arrow[2]}) before it starts (${arrow[1]}): the end time must be later`)
  }
  return Either.right({ startMs: start.right.ms, endMs: end.right.ms, dot: start.right.dot || end.right.dot })
}

/** The order repairs are reported in. */
const repairKinds: ReadonlyArray<RepairKind> = ["dot-separator", "missing-number", "empty-text", "zero-length"]

const listLines = (lines: ReadonlyArray<number>): string => {
  const shown = lines.slice(0, 5).join(", ")
  return `${lines.length === 1 ? "line" : "lines"} ${shown}${lines.length > 5 ? ` and ${lines.length - 5} more` : ""}`
}

const repairMessage = (kind: RepairKind, lines: ReadonlyArray<number>): string => {
  const n = lines.length
  const cues = n === 1 ? "1 cue" : `${n} cues`
  switch (kind) {
    case "dot-separator":
      return `${n === 1 ? "1 timing line" : `${n} timing lines`} had a dot before the milliseconds ` +
        `(${listLines(lines)}): written with a comma (HH:MM:SS,mmm)`
    case "missing-number":
      return `${cues} had no number (${listLines(lines)}): the cues are numbered 1 to n`
    case "empty-text":
      return `${cues} had no text (${listLines(lines)}): dropped, as they show nothing`
    case "zero-length":
      return `${cues} ended when ${n === 1 ? "it" : "they"} started (${listLines(lines)}): dropped, as ${
        n === 1 ? "it shows" : "they show"
      } nothing`
  }
}

/**
 * What reading an SRT file found: the cues it keeps, what had to be repaired, and the canonical SRT to use
 * instead of the text when anything was (`undefined` when the text needs no repair and should be used as it is).
 *
 * @internal
 */
export interface SrtReading {
  readonly cues: Array<Cue>
  readonly repairs: Array<Repair>
  readonly repaired: string | undefined
}

/**
 * Reads SubRip text. Each cue is: a number, a timing line, one or more text lines, then a blank line.
 *
 * Four departures from that are repaired rather than refused, and listed in
 * `repairs`: a dot before the milliseconds, a cue without its number, a cue without text and a cue whose end is its
 * start (the last two are dropped). Anything else fails naming its line.
 *
 * @internal
 */
export const readSrt = (text: string): Either.Either<SrtReading, ParseFailure> => {
  const lines = normalise(text)
  const found = new Map<RepairKind, Array<number>>()
  /** Records a repair of `kind` at `line`. */
  const repair = (kind: RepairKind, line: number): void => {
    const at = found.get(kind)
    if (at === undefined) found.set(kind, [line])
    else at.push(line)
  }
  const kept: Array<{ number: string | undefined; cue: Omit<Cue, "index"> }> = []
  let firstCueLine: number | undefined
  let i = 0
  while (i < lines.length) {
    if (isBlank(lines[i])) {
      i++
      continue
    }
    let end = i
    while (end < lines.length && !isBlank(lines[end])) end++
    const block = lines.slice(i, end)
    const blockLine = i + 1
    i = end
    firstCueLine ??= blockLine
    const first = block[0]!.trim()
    let number: string | undefined
    if (/^\d+$/.test(first)) {
      number = first
      if (block.length === 1) {
        return Either.left({
          line: blockLine + 1,
          message: `cue ${first} has no timing line: expected "${example.srt}" after the cue number`
        })
      }
    } else if (first.includes("-->")) {
      repair("missing-number", blockLine)
    } else {
      return Either.left({
        line: blockLine,
        message: block.some((line) => line.includes("-->"))
          ? `expected a cue number (a positive integer) or a timing line, found "${first}"`
          : `"${first}" is text outside any cue: a blank line ends a cue, so remove the blank line inside the ` +
            `previous cue's text (or give this text a cue number and a timing line)`
      })
    }
    const timingAt = number === undefined ? 0 : 1
    const timingLine = blockLine + timingAt
    const timing = readSrtTiming(block[timingAt]!, timingLine)
    if (Either.isLeft(timing)) return Either.left(timing.left)
    const body = block.slice(timingAt + 1).map((line) => line.trimEnd())
    const stray = body.findIndex((line) => looksLikeTiming.test(line.trim()))
    if (stray >= 0) {
      const strayLine = timingLine + 1 + stray
      const cueStart = stray > 0 && /^\d+$/.test(body[stray - 1]!.trim()) ? strayLine - 1 : strayLine
      return Either.left({
        line: strayLine,
        message: `a second timing line inside the cue that starts at line ${blockLine}: every cue must end with a ` +
          `blank line, so put one before line ${cueStart}`
      })
    }
    if (timing.right.dot) repair("dot-separator", timingLine)
    if (body.length === 0) {
      repair("empty-text", timingLine)
      continue
    }
    if (timing.right.endMs === timing.right.startMs) {
      repair("zero-length", timingLine)
      continue
    }
    kept.push({
      number,
      cue: { startMs: timing.right.startMs, endMs: timing.right.endMs, text: body.join("\n"), line: blockLine }
    })
  }
  if (firstCueLine === undefined) return Either.left({ line: 1, message: "the file contains no subtitle cues" })
  const dropped = (found.get("empty-text")?.length ?? 0) + (found.get("zero-length")?.length ?? 0)
  if (kept.length === 0) {
    return Either.left({
      line: firstCueLine,
      message: `the file has no cue with text: ${
        dropped === 1
          ? "its only cue is empty or ends when it starts, and shows nothing"
          : `its ${dropped} cues are all empty or end when they start, and show nothing`
      }; give at least one cue a text and an end time after its start`
    })
  }
  const repairs = repairKinds.flatMap((kind) => {
    const at = found.get(kind)
    return at === undefined ? [] : [{ kind, lines: at, message: repairMessage(kind, at) }]
  })
  if (repairs.length === 0) {
    return Either.right({
      cues: kept.map(({ cue, number }) => ({ index: Number(number), ...cue })),
      repairs,
      repaired: undefined
    })
  }
  const cues = kept.map(({ cue }, n) => ({ index: n + 1, ...cue }))
  return Either.right({ cues, repairs, repaired: formatSrt(cues) })
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
    const timing = parseVttTiming(timingText, blockLine + timingOffset)
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
