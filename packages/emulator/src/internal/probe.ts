/**
 * Looks at an assembled file's bytes: sniffs the real type from magic numbers, measures images (image-size),
 * probes MP4/MOV (mp4box: duration, dimensions), and checks that subtitle files parse as SRT or WebVTT.
 * Files are streamed from disk; only images (first 1 MiB) and subtitle files (capped) are read into memory.
 *
 * @internal
 */
import { FileSystem } from "@effect/platform"
import { Effect, Option, Stream } from "effect"
import { imageSize } from "image-size"
import { createFile, type Movie, MP4BoxBuffer } from "mp4box"
import type { ProbeInfo } from "./state/State.js"

const ascii = (b: Uint8Array, start: number, len: number) =>
  String.fromCharCode(...Array.from(b.subarray(start, start + len)))

/** The MIME type the first bytes of a file reveal, if recognised. @internal */
export const sniff = (head: Uint8Array): string | undefined => {
  if (head.length >= 8 && head[0] === 0x89 && ascii(head, 1, 3) === "PNG") return "image/png"
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "image/jpeg"
  if (ascii(head, 0, 4) === "GIF8") return "image/gif"
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WEBP") return "image/webp"
  if (ascii(head, 0, 2) === "BM" && head.length >= 26) return "image/bmp"
  if (ascii(head, 0, 4) === "II*\u0000" || ascii(head, 0, 4) === "MM\u0000*") return "image/tiff"
  if (head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return "video/webm"
  const box = ascii(head, 4, 4)
  if (box === "ftyp") return ascii(head, 8, 4) === "qt  " ? "video/quicktime" : "video/mp4"
  if (["moov", "mdat", "wide", "free", "skip"].includes(box)) return "video/quicktime"
  if (head.length >= 189 && head[0] === 0x47 && head[188] === 0x47) return "video/mp2t"
  return undefined
}

/** The family of a MIME type: image, gif, video, subtitles or other. @internal */
export const family = (mime: string): ProbeInfo["kind"] => {
  if (mime === "image/gif") return "gif"
  if (mime.startsWith("image/")) return "image"
  if (mime.startsWith("video/")) return "video"
  if (mime === "text/srt" || mime === "text/vtt" || mime === "text/plain" || mime === "application/x-subrip") {
    return "subtitles"
  }
  return "unknown"
}

const TIME = /^(\d{1,2}):(\d{2}):(\d{2})[,.](\d{3})\s*-->\s*(\d{1,2}):(\d{2}):(\d{2})[,.](\d{3})/

/** Checks SRT text; returns an error message naming the line, or undefined when it parses. @internal */
export const checkSrt = (text: string): string | undefined => {
  const lines = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n")
  let i = 0
  let cues = 0
  while (i < lines.length) {
    while (i < lines.length && lines[i]!.trim() === "") i++
    if (i >= lines.length) break
    if (!/^\d+$/.test(lines[i]!.trim())) return `line ${i + 1}: expected a cue number`
    i++
    if (i >= lines.length || !TIME.test(lines[i]!.trim())) return `line ${i + 1}: expected "00:00:01,000 --> 00:00:02,000"`
    i++
    if (i >= lines.length || lines[i]!.trim() === "") return `line ${i + 1}: a cue needs text`
    while (i < lines.length && lines[i]!.trim() !== "") i++
    cues++
  }
  return cues === 0 ? "the file has no cues" : undefined
}

/** Checks WebVTT text; returns an error message, or undefined when it parses. @internal */
export const checkVtt = (text: string): string | undefined => {
  const lines = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n")
  if (!/^WEBVTT(\s|$)/.test(lines[0] ?? "")) return "line 1: a WebVTT file starts with WEBVTT"
  let cues = 0
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.includes("-->")) {
      if (!TIME.test(lines[i]!.trim().replace(/^(\d{2}:\d{2}[.,]\d{3})/, "00:$1").replace(/--> (\d{2}:\d{2}[.,]\d{3})/, "--> 00:$1"))) {
        return `line ${i + 1}: malformed cue timing`
      }
      cues++
    }
  }
  return cues === 0 ? "the file has no cues" : undefined
}

/** The most bytes of a subtitle file the probe reads. @internal */
export const MAX_SUBTITLE_BYTES = 5 * 1024 * 1024

const readHead = (fs: FileSystem.FileSystem, path: string, bytes: number) =>
  Effect.scoped(
    Effect.gen(function*() {
      const file = yield* fs.open(path, { flag: "r" })
      const buf = new Uint8Array(bytes)
      const n = yield* file.read(buf)
      return buf.subarray(0, Number(n))
    })
  )

const probeMp4 = (fs: FileSystem.FileSystem, path: string) =>
  Effect.gen(function*() {
    const file = createFile()
    let movie: Movie | undefined
    file.onReady = (info) => {
      movie = info
    }
    let offset = 0
    yield* fs.stream(path, { chunkSize: FileSystem.MiB(1) }).pipe(
      Stream.takeWhile(() => movie === undefined),
      Stream.runForEach((chunk) =>
        Effect.sync(() => {
          const copy = new Uint8Array(chunk)
          const ab = MP4BoxBuffer.fromArrayBuffer(copy.buffer, offset)
          offset += chunk.length
          file.appendBuffer(ab)
        })
      )
    )
    yield* Effect.sync(() => file.flush())
    if (movie === undefined) return Option.none<{ durationMs: number; width?: number; height?: number }>()
    const video = movie.videoTracks[0]
    const durationMs = movie.timescale > 0 ? Math.round((movie.duration / movie.timescale) * 1000) : 0
    return Option.some({
      durationMs,
      ...(video !== undefined
        ? { width: video.video?.width ?? video.track_width, height: video.video?.height ?? video.track_height }
        : {})
    })
  }).pipe(Effect.catchAllDefect(() => Effect.succeed(Option.none())))

/** What {@link probe} found, and why the bytes are unusable (if they are). @internal */
export interface ProbeResult {
  readonly info: ProbeInfo
  readonly error: string | undefined
}

/**
 * Probes the file at `path`. Never fails: unreadable or unrecognised bytes give `kind: "unknown"`.
 *
 * @internal
 */
export const probe = (
  path: string,
  declaredType: string
): Effect.Effect<ProbeResult, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const head = yield* readHead(fs, path, 1024 * 1024)
    const declaredFamily = family(declaredType)
    if (declaredFamily === "subtitles") {
      const text = new TextDecoder("utf-8", { fatal: false }).decode(yield* readHead(fs, path, MAX_SUBTITLE_BYTES))
      const isVtt = /^\uFEFF?WEBVTT/.test(text)
      const error = isVtt ? checkVtt(text) : checkSrt(text)
      return error === undefined
        ? { info: { kind: "subtitles", detectedType: isVtt ? "text/vtt" : "text/srt" } satisfies ProbeInfo, error }
        : { info: { kind: "unknown" } satisfies ProbeInfo, error }
    }
    const detected = sniff(head)
    if (detected === undefined) return { info: { kind: "unknown" } satisfies ProbeInfo, error: "media type unrecognized" }
    const kind = family(detected)
    if (kind === "image" || kind === "gif") {
      const size = yield* Effect.try(() => imageSize(head)).pipe(Effect.option)
      return {
        info: {
          kind,
          detectedType: detected,
          width: Option.getOrUndefined(Option.flatMap(size, (s) => Option.fromNullable(s.width))),
          height: Option.getOrUndefined(Option.flatMap(size, (s) => Option.fromNullable(s.height)))
        } satisfies ProbeInfo,
        error: undefined
      }
    }
    if (detected === "video/mp4" || detected === "video/quicktime") {
      const mp4 = yield* probeMp4(fs, path)
      if (Option.isNone(mp4)) {
        return { info: { kind: "unknown", detectedType: detected } satisfies ProbeInfo, error: "Unsupported video format" }
      }
      return { info: { kind: "video", detectedType: detected, ...mp4.value } satisfies ProbeInfo, error: undefined }
    }
    return { info: { kind, detectedType: detected } satisfies ProbeInfo, error: undefined }
  }).pipe(
    Effect.catchAll(() => Effect.succeed({ info: { kind: "unknown" } satisfies ProbeInfo, error: "media type unrecognized" }))
  )
