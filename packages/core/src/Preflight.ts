/**
 * Checks a file before any network call: what it really is (sniffed from its bytes with `file-type`, never from
 * its name), which `media_category` it goes to, and whether it fits that category's size limit.
 *
 * A GIF's blocks are read to tell a still GIF (one frame: an image, `tweet_image`, 5 MB) from an animated one
 * (two or more: `tweet_gif`, 15 MB); a WebP's chunks to report whether it is animated (it goes as an image either
 * way: X lists WEBP among image types only).
 *
 * Every refusal is an `XError.InvalidInput` whose message says what to fix: a missing path, a directory, an empty
 * file, a type X does not accept, a declared category that does not fit the content, a file over the limit (a
 * still GIF over 5 MB: convert it, or give `tweet_gif`), or a subtitle file that does not parse or is not UTF-8
 * (with the line number).
 *
 * An SRT file with a dot before the milliseconds, cues without numbers, cues without text or cues that end when they
 * start is repaired rather than refused (`SubtitleFile.repairSrt`): `subtitles.repaired` says what was repaired, and
 * `subtitles.canonical` holds the canonical SRT the uploader sends instead of the file's own bytes. An SRT file that
 * needs no repair, and every WebVTT file, is sent as it is.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { NodeContext } from "@effect/platform-node"
 * import { Preflight } from "@xmedia/core"
 *
 * const info = Preflight.inspect("clip.mp4").pipe(Effect.provide(NodeContext.layer))
 * // { mediaType: "video/mp4", mediaCategory: "tweet_video", size: 24006, maxBytes: 5000000000, ... }
 * // (X allows 8 GB, but 1000 segments of at most 5 MB carry 5 GB: `maxChunkedBytes`)
 * ```
 *
 * @since 0.1.0
 */
import { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Either, Option, Schema } from "effect"
import { fileTypeFromBuffer } from "file-type/core"
import * as Ids from "./Ids.js"
import { MAX_SEGMENTS, MAX_SEGMENT_BYTES } from "./internal/chunks.js"
import { HEAD_BYTES, type ImageFacts, scannerFor } from "./internal/sniffing.js"
import * as subtitles from "./internal/subtitles.js"
import type * as SubtitleFile from "./SubtitleFile.js"
import * as XError from "./XError.js"

const MB = 1_000_000
const GB = 1_000_000_000

/**
 * Size limits of one category, in bytes, for a default account and for an X Premium / verified account.
 * X writes "MB" and "GB"; xmedia reads them as decimal units (10^6, 10^9), the stricter reading.
 *
 * @since 0.1.0
 */
export interface Limit {
  readonly maxBytes: number
  readonly premiumMaxBytes: number
}

/**
 * The most bytes one chunked upload can carry: 1000 segments (`segment_index` 0-999) of at most 5 MB each
 * (X's per-APPEND limit). Larger video caps (8 GB, 16 GB) cannot be reached with documented chunking.
 *
 * @since 0.1.0
 */
export const maxChunkedBytes: number = MAX_SEGMENTS * MAX_SEGMENT_BYTES

/**
 * Size limits per `media_category` (research §6.1, X's media best-practices page). Subtitles have no documented
 * limit; xmedia refuses subtitle files over 5 MB (one APPEND).
 *
 * @since 0.1.0
 */
export const limits: Readonly<Record<Ids.MediaCategory, Limit>> = {
  tweet_image: { maxBytes: 5 * MB, premiumMaxBytes: 5 * MB },
  dm_image: { maxBytes: 5 * MB, premiumMaxBytes: 5 * MB },
  tweet_gif: { maxBytes: 15 * MB, premiumMaxBytes: 15 * MB },
  dm_gif: { maxBytes: 15 * MB, premiumMaxBytes: 15 * MB },
  tweet_video: { maxBytes: 8 * GB, premiumMaxBytes: 16 * GB },
  amplify_video: { maxBytes: 8 * GB, premiumMaxBytes: 16 * GB },
  dm_video: { maxBytes: 512 * MB, premiumMaxBytes: 1 * GB },
  subtitles: { maxBytes: 5 * MB, premiumMaxBytes: 5 * MB }
}

/**
 * Where the media is going, which picks the category when none is given: a post (`tweet_*`) or a direct message
 * (`dm_*`).
 *
 * @since 0.1.0
 */
export type Destination = "post" | "dm"

/**
 * Options of `inspect`.
 *
 * - `mediaCategory`: the category you intend to use; it must fit the sniffed type (a video cannot go as
 *   `tweet_image`). Without it, the category follows from the type and `destination`.
 * - `destination`: `"post"` (default) or `"dm"`.
 * - `premium`: apply the X Premium / verified limits (default `false`).
 * - `subtitlesAs`: `"as-is"` (default) sends a WebVTT file as WebVTT; `"srt"` converts it to SRT, sent as
 *   `text/srt` from `subtitles.canonical` (X's v1.1 subtitles take SRT only: the uploader asks for this on v1.1).
 *
 * @since 0.1.0
 */
export interface Options {
  readonly mediaCategory?: Ids.MediaCategory | undefined
  readonly destination?: Destination | undefined
  readonly premium?: boolean | undefined
  readonly subtitlesAs?: "as-is" | "srt" | undefined
}

/**
 * What `inspect` found.
 *
 * - `mediaType`: the MIME type sniffed from the content, as X's initialize wants it.
 * - `mediaCategory`: the category to send.
 * - `size`: the bytes that will be uploaded (for an SRT file that needed repair, those of `subtitles.canonical`);
 *   `maxBytes`: the limit that was applied.
 * - `extension`: the extension that fits the content (`mp4`, `png`, `srt`...); `nameMatchesContent` is `false`
 *   when the file name says otherwise (a video named `.png`).
 * - `subtitles`: for subtitle files, the format, the number of cues (kept), what was repaired in an SRT file
 *   (`repaired`, one entry per kind with its lines and a sentence to log; empty when nothing was), and, when
 *   something was, `canonical`: the repaired SRT (UTF-8, `\n` line ends, cues numbered from 1), which the uploader
 *   sends instead of the file's own bytes.
 * - `modifiedAtMs`: for a path, the file's modification time when it was inspected (epoch ms; the uploader checks
 *   that the file is unchanged before FINALIZE).
 * - `image`: for GIF and WebP, what their own structure says: `width` and `height` (the GIF logical screen, the
 *   WebP canvas) and `animated` (`true`: two or more frames; `false`: one; `undefined`: not told from the bytes
 *   read, e.g. a stream whose head ends before a second frame, or a malformed file).
 *
 * @since 0.1.0
 */
export interface Inspection {
  readonly mediaType: Ids.MediaType
  readonly mediaCategory: Ids.MediaCategory
  readonly size: number
  readonly maxBytes: number
  readonly extension: string
  readonly nameMatchesContent: boolean
  readonly modifiedAtMs?: number | undefined
  readonly subtitles?: {
    readonly format: "srt" | "vtt"
    readonly cues: number
    readonly repaired: ReadonlyArray<SubtitleFile.Repair>
    readonly canonical?: Uint8Array | undefined
  } | undefined
  readonly image?: {
    readonly width: number
    readonly height: number
    readonly animated: boolean | undefined
  } | undefined
}

const ENDPOINT = "Preflight.inspect"

const invalid = (field: string, message: string) => new XError.InvalidInput({ endpoint: ENDPOINT, field, message })

type Kind = "image" | "gif" | "video" | "subtitles"

const kindOf = (mediaType: Ids.MediaType): Kind | undefined => {
  switch (mediaType) {
    case "image/gif":
      return "gif"
    case "image/jpeg":
    case "image/pjpeg":
    case "image/png":
    case "image/webp":
    case "image/bmp":
    case "image/tiff":
      return "image"
    case "video/mp4":
    case "video/quicktime":
    case "video/webm":
    case "video/mp2t":
      return "video"
    case "text/srt":
    case "text/vtt":
      return "subtitles"
    default:
      return undefined
  }
}

/**
 * The categories a media type may be uploaded as. A GIF, still or animated, may go as an animated GIF or as an
 * image (the category you give is kept: a still GIF given as `tweet_gif` goes as `tweet_gif`); a WebP, animated or
 * not, only as an image (X lists WEBP among image types only); a video as a post video, an Ads (amplify) video or a
 * DM video.
 *
 * @since 0.1.0
 */
export const categoriesFor = (mediaType: Ids.MediaType): ReadonlyArray<Ids.MediaCategory> => {
  switch (kindOf(mediaType)) {
    case "image":
      return ["tweet_image", "dm_image"]
    case "gif":
      return ["tweet_gif", "dm_gif", "tweet_image", "dm_image"]
    case "video":
      return ["tweet_video", "amplify_video", "dm_video"]
    case "subtitles":
      return ["subtitles"]
    default:
      return []
  }
}

/**
 * The category for a media type when none is given (images, WebP animated or not, and still GIFs ->
 * `tweet_image`; animated GIFs -> `tweet_gif`; videos -> `tweet_video`; subtitles -> `subtitles`; the `dm_*` ones
 * for `destination: "dm"`), or `undefined` for a type with no documented category (3D models). `animated` says
 * whether a GIF has two or more frames (`Inspection.image.animated`): only `false` makes it an image; a GIF whose
 * frames were not counted (`undefined`) goes as `tweet_gif`, which takes still GIFs too.
 *
 * @example
 * ```ts
 * Preflight.defaultCategory("image/gif", "post", false) // "tweet_image"
 * Preflight.defaultCategory("image/gif", "dm", true) // "dm_gif"
 * ```
 *
 * @since 0.1.0
 */
export const defaultCategory = (
  mediaType: Ids.MediaType,
  destination: Destination = "post",
  animated?: boolean | undefined
): Ids.MediaCategory | undefined => {
  const dm = destination === "dm"
  switch (kindOf(mediaType)) {
    case "image":
      return dm ? "dm_image" : "tweet_image"
    case "gif":
      if (animated === false) return dm ? "dm_image" : "tweet_image"
      return dm ? "dm_gif" : "tweet_gif"
    case "video":
      return dm ? "dm_video" : "tweet_video"
    case "subtitles":
      return "subtitles"
    default:
      return undefined
  }
}

const extensionOf: Record<Ids.MediaType, string> = {
  "video/mp4": "mp4",
  "video/webm": "webm",
  "video/mp2t": "ts",
  "video/quicktime": "mov",
  "text/srt": "srt",
  "text/vtt": "vtt",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/bmp": "bmp",
  "image/png": "png",
  "image/webp": "webp",
  "image/pjpeg": "jpg",
  "image/tiff": "tif",
  "model/gltf-binary": "glb",
  "model/vnd.usdz+zip": "usdz"
}

const sameExtension: Record<string, ReadonlyArray<string>> = {
  jpg: ["jpg", "jpeg", "jpe", "jfif", "pjpeg"],
  tif: ["tif", "tiff"],
  mp4: ["mp4", "m4v"],
  mov: ["mov", "qt"],
  ts: ["ts", "m2ts", "mts"]
}

const nameMatches = (name: string | undefined, extension: string): boolean => {
  if (name === undefined) return true
  const dot = name.lastIndexOf(".")
  const slash = Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\"))
  if (dot <= slash + 1) return true
  const actual = name.slice(dot + 1).toLowerCase()
  return (sameExtension[extension] ?? [extension]).includes(actual)
}

/**
 * MIME aliases file-type reports for formats X accepts under another name (an animated PNG is still a PNG: its
 * first frame is a plain image, and `acTL` is an ancillary chunk).
 */
const aliases: Record<string, Ids.MediaType> = { "video/x-m4v": "video/mp4", "image/apng": "image/png" }

const isMediaType = Schema.is(Ids.MediaType)
const isCategory = Schema.is(Ids.MediaCategory)

const hints: Record<string, string> = {
  "image/heic": "convert it to JPEG or PNG",
  "image/heif": "convert it to JPEG or PNG",
  "image/heic-sequence": "convert it to a GIF or an MP4 video",
  "image/heif-sequence": "convert it to a GIF or an MP4 video",
  "image/avif": "convert it to JPEG, PNG or WEBP",
  // file-type 21's names (older releases said video/x-matroska and video/x-msvideo)
  "video/matroska": "re-encode or remux it to MP4 (H.264 + AAC)",
  "video/x-matroska": "re-encode or remux it to MP4 (H.264 + AAC)",
  "video/vnd.avi": "re-encode it to MP4 (H.264 + AAC)",
  "video/x-msvideo": "re-encode it to MP4 (H.264 + AAC)",
  "video/3gpp": "re-encode it to MP4 (H.264 + AAC)",
  "video/mpeg": "re-encode it to MP4 (H.264 + AAC)",
  "audio/mpeg": "X takes no audio-only files; make a video with the audio",
  "application/pdf": "export the pages as images"
}

/** Sniffed but not yet categorised. */
interface Sniffed {
  readonly mediaType: Ids.MediaType
  readonly subtitles?: Inspection["subtitles"]
  readonly image?: ImageFacts | undefined
}

/**
 * The largest GIF any category takes (`tweet_gif`, 15 MB): a bigger GIF is refused whatever its frames, so its
 * frames are not counted.
 */
const gifScanLimit = Math.max(
  ...(["tweet_gif", "dm_gif", "tweet_image", "dm_image"] as const).map((c) => limits[c].premiumMaxBytes)
)

/** How many bytes a file's GIF/WebP scan reads at a time past the head. */
const SCAN_PIECE_BYTES = 64 * 1024

/**
 * Reads a GIF's or WebP's structure (`internal/sniffing.ts`) from `head`, then, if that did not tell and `more`
 * is given, on through the content in pieces read at the offset the scanner wants (at most `gifScanLimit` bytes
 * past the head in all). `more` returns an empty piece at the end of the content. Other types: `undefined`.
 */
const scanImage = (
  mediaType: Ids.MediaType,
  size: number,
  head: Uint8Array,
  more?: (position: number) => Effect.Effect<Uint8Array, XError.InvalidInput>
): Effect.Effect<ImageFacts | undefined, XError.InvalidInput> =>
  Effect.gen(function*() {
    const scanner = scannerFor(mediaType)
    if (scanner === undefined || (mediaType === "image/gif" && size > gifScanLimit)) return undefined
    scanner.feed(head, 0)
    let ended = head.length >= size
    let budget = gifScanLimit
    while (more !== undefined && !ended && !scanner.done() && budget > 0) {
      const position = scanner.position()
      if (position >= size) {
        ended = true
        break
      }
      const piece = yield* more(position)
      if (piece.length === 0) {
        ended = true
        break
      }
      budget -= piece.length
      scanner.feed(piece, position)
    }
    return scanner.result(ended || scanner.position() >= size)
  })

const describeSource = (name: string | undefined) => (name === undefined ? "the data" : `"${name}"`)

const sniff = (
  head: Uint8Array,
  readAll: Effect.Effect<Uint8Array, XError.InvalidInput>,
  size: number,
  name: string | undefined,
  options: Options | undefined
): Effect.Effect<Sniffed, XError.InvalidInput> =>
  Effect.gen(function*() {
    // a UTF-16 byte-order mark: a text file (a Windows editor's "Unicode") that file-type would take for MPEG audio
    if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
      return yield* invalid(
        "media",
        `${describeSource(name)} is UTF-16 text: save it as UTF-8 (subtitles must be SRT or WebVTT in UTF-8)`
      )
    }
    const detected = yield* Effect.tryPromise({
      try: () => fileTypeFromBuffer(head),
      catch: () => invalid("media", `${describeSource(name)} could not be read to detect its type`)
    })
    if (detected !== undefined && detected.mime !== "text/vtt") {
      const mime = aliases[detected.mime] ?? detected.mime
      if (isMediaType(mime) && defaultCategory(mime) !== undefined) return { mediaType: mime }
      const hint = hints[detected.mime]
      return yield* invalid(
        "media",
        `${describeSource(name)} is ${detected.mime} (.${detected.ext}), which X does not accept: ${
          hint ?? "upload JPEG, PNG, WEBP, GIF, MP4/MOV video, or SRT/WebVTT subtitles"
        }`
      )
    }
    // Text: WebVTT or SRT, or nothing X accepts.
    if (head.includes(0)) {
      return yield* invalid(
        "media",
        `could not recognise the type of ${describeSource(name)} from its content: upload JPEG, PNG, WEBP, GIF, ` +
          `MP4/MOV video, or SRT/WebVTT subtitles`
      )
    }
    const subtitleLimit = limits.subtitles.maxBytes
    if (size > subtitleLimit) {
      return yield* invalid(
        "media",
        `${describeSource(name)} looks like text but is ${size} bytes; subtitle files must be at most ` +
          `${subtitleLimit} bytes and other text is not media X accepts`
      )
    }
    const bytes = yield* readAll
    const decoded = subtitles.decodeUtf8(bytes)
    if (Either.isLeft(decoded)) {
      // a timing arrow: subtitle text in another encoding (the arrow is ASCII, whatever the encoding)
      const lenient = new TextDecoder().decode(bytes)
      return yield* invalid(
        "media",
        lenient.includes("-->")
          ? `${describeSource(name)} is not UTF-8 ${subtitles.isWebVtt(lenient) ? "WebVTT" : "SRT"} text, line ` +
            `${decoded.left.line}: ${decoded.left.message}`
          : `could not recognise the type of ${describeSource(name)}: it is neither a known media format nor UTF-8 ` +
            `subtitle text (save SRT/WebVTT files as UTF-8)`
      )
    }
    const text = decoded.right
    const isVtt = subtitles.isWebVtt(text)
    const parsed: Either.Either<subtitles.SrtReading, subtitles.ParseFailure> = isVtt
      ? Either.map(subtitles.parseVtt(text), (cues) => ({ cues, repairs: [], repaired: undefined }))
      : subtitles.readSrt(text)
    if (Either.isLeft(parsed)) {
      const looksLikeSrt = isVtt || /-->/.test(text)
      return yield* invalid(
        "media",
        looksLikeSrt
          ? `${describeSource(name)} is not a valid ${isVtt ? "WebVTT" : "SRT"} file, line ${parsed.left.line}: ${parsed.left.message}`
          : `could not recognise the type of ${describeSource(name)} from its content: upload JPEG, PNG, WEBP, GIF, ` +
            `MP4/MOV video, or SRT/WebVTT subtitles`
      )
    }
    const { cues, repairs } = parsed.right
    // WebVTT sent as SRT when asked (v1.1 takes SRT only): the cues, written as canonical SRT
    const asSrt = isVtt && options?.subtitlesAs === "srt"
    const repaired = asSrt ? subtitles.formatSrt(cues) : parsed.right.repaired
    return {
      mediaType: isVtt && !asSrt ? "text/vtt" : "text/srt",
      subtitles: {
        format: isVtt ? "vtt" : "srt",
        cues: cues.length,
        repaired: repairs,
        ...(repaired === undefined ? {} : { canonical: new TextEncoder().encode(repaired) })
      }
    } satisfies Sniffed
  })

const categorise = (
  sniffed: Sniffed,
  contentSize: number,
  name: string | undefined,
  options: Options | undefined
): Effect.Effect<Inspection, XError.InvalidInput> =>
  Effect.gen(function*() {
    // what will be uploaded: the content, or the canonical SRT a repaired SRT file is sent as
    const size = sniffed.subtitles?.canonical?.length ?? contentSize
    const destination: unknown = options?.destination
    if (destination !== undefined && destination !== "post" && destination !== "dm") {
      return yield* invalid("destination", `destination must be "post" or "dm", not ${JSON.stringify(destination)}`)
    }
    const premium: unknown = options?.premium
    if (premium !== undefined && typeof premium !== "boolean") {
      return yield* invalid("premium", `premium must be true or false, not ${JSON.stringify(premium)}`)
    }
    const subtitlesAs: unknown = options?.subtitlesAs
    if (subtitlesAs !== undefined && subtitlesAs !== "as-is" && subtitlesAs !== "srt") {
      return yield* invalid("subtitlesAs", `subtitlesAs must be "as-is" or "srt", not ${JSON.stringify(subtitlesAs)}`)
    }
    const declared = options?.mediaCategory
    if (declared !== undefined && !isCategory(declared)) {
      return yield* invalid(
        "media_category",
        `"${String(declared)}" is not a media category: use one of ${Ids.MediaCategory.literals.join(", ")}`
      )
    }
    const allowed = categoriesFor(sniffed.mediaType)
    const category = declared ??
      defaultCategory(sniffed.mediaType, options?.destination ?? "post", sniffed.image?.animated)
    if (category === undefined) {
      return yield* invalid(
        "media",
        `${describeSource(name)} is ${sniffed.mediaType}, for which X documents no media category: upload images, ` +
          `GIFs, videos or subtitles`
      )
    }
    if (!allowed.includes(category)) {
      return yield* invalid(
        "media_category",
        `${describeSource(name)} is ${sniffed.mediaType}, which cannot be uploaded as "${category}": use ${
          allowed.map((c) => `"${c}"`).join(" or ")
        } (or leave media_category out to have it chosen)`
      )
    }
    const limit = limits[category]
    const maxBytes = Math.min(options?.premium === true ? limit.premiumMaxBytes : limit.maxBytes, maxChunkedBytes)
    if (size > maxBytes) {
      const gifCategory = category === "dm_image" ? "dm_gif" : "tweet_gif"
      const gifMax = Math.min(
        options?.premium === true ? limits[gifCategory].premiumMaxBytes : limits[gifCategory].maxBytes,
        maxChunkedBytes
      )
      if (sniffed.mediaType === "image/gif" && sniffed.image?.animated === false && declared === undefined) {
        return yield* invalid(
          "media",
          `${describeSource(name)} is a still GIF (one frame) of ${size} bytes; X takes a still GIF as an image, ` +
            `and ${category} allows at most ${maxBytes} bytes: convert it to PNG or JPEG (usually far smaller)${
              size <= gifMax
                ? `, or, if X should treat it as a GIF, upload it with mediaCategory "${gifCategory}" (up to ` +
                  `${gifMax} bytes)`
                : ""
            }`
        )
      }
      return yield* invalid(
        "media",
        `${describeSource(name)} is ${size} bytes, over the ${maxBytes}-byte limit for ${category}${
          options?.premium === true ? " (X Premium)" : ""
        }: compress or trim it${
          category === "tweet_gif" || category === "dm_gif" ? " (or convert the GIF to an MP4 video)" : ""
        }`
      )
    }
    const extension = extensionOf[sniffed.mediaType]
    return {
      mediaType: sniffed.mediaType,
      mediaCategory: category,
      size,
      maxBytes,
      extension,
      nameMatchesContent: nameMatches(name, extension),
      subtitles: sniffed.subtitles,
      image: sniffed.image
    }
  })

/**
 * Inspects bytes already in memory. Never touches the file system or the network.
 *
 * @example
 * ```ts
 * Preflight.inspectBytes(pngBytes) // Effect.succeed({ mediaType: "image/png", mediaCategory: "tweet_image", ... })
 * ```
 *
 * @since 0.1.0
 */
export const inspectBytes: (
  bytes: Uint8Array,
  options?: Options & { readonly name?: string | undefined }
) => Effect.Effect<Inspection, XError.InvalidInput> = Effect.fn("Preflight.inspectBytes")(function*(
  bytes: Uint8Array,
  options?: Options & { readonly name?: string | undefined }
) {
  const name = options?.name
  if (bytes.length === 0) {
    return yield* invalid("media", `${describeSource(name)} is empty (0 bytes): give a file with content`)
  }
  const sniffed = yield* sniff(bytes.subarray(0, HEAD_BYTES), Effect.succeed(bytes), bytes.length, name, options)
  const image = yield* scanImage(sniffed.mediaType, bytes.length, bytes)
  return yield* categorise({ ...sniffed, image }, bytes.length, name, options)
})

/**
 * Inspects the first bytes of content whose total `size` is known but which is not all at hand (a stream): the
 * type is sniffed from `head` and the size limit applied to `size`. Subtitle text is checked whole, so it must be
 * all in `head`. A GIF's frames are counted in `head` only: one whose second frame or end is not in it is taken as
 * animated (`image.animated` is `undefined`, the category `tweet_gif`, which takes still GIFs too). Never touches
 * the file system or the network.
 *
 * @example
 * ```ts
 * Preflight.inspectHead(firstBytes, 24006, { name: "clip.mp4" }) // { mediaType: "video/mp4", size: 24006, ... }
 * ```
 *
 * @since 0.1.0
 */
export const inspectHead: (
  head: Uint8Array,
  size: number,
  options?: Options & { readonly name?: string | undefined }
) => Effect.Effect<Inspection, XError.InvalidInput> = Effect.fn("Preflight.inspectHead")(function*(
  head: Uint8Array,
  size: number,
  options?: Options & { readonly name?: string | undefined }
) {
  const name = options?.name
  if (size === 0 || head.length === 0) {
    return yield* invalid("media", `${describeSource(name)} is empty (0 bytes): give content`)
  }
  const readAll = head.length >= size
    ? Effect.succeed(head.subarray(0, size))
    : Effect.fail(invalid(
      "media",
      `${describeSource(name)} looks like subtitle text, which is checked whole, but only its first ${head.length} ` +
        `of ${size} bytes are at hand: raise chunkSize to at least ${size} or pass the bytes`
    ))
  const sniffed = yield* sniff(head.subarray(0, HEAD_BYTES), readAll, size, name, options)
  const image = yield* scanImage(sniffed.mediaType, size, head.subarray(0, size))
  return yield* categorise({ ...sniffed, image }, size, name, options)
})

const fsError = (path: string, error: PlatformError): XError.InvalidInput => {
  if (error._tag === "SystemError") {
    switch (error.reason) {
      case "NotFound":
        return invalid("path", `no file at "${path}": check the path (relative paths start at the working directory)`)
      case "PermissionDenied":
        return invalid("path", `"${path}" cannot be read (permission denied): fix its permissions`)
      default:
        return invalid("path", `"${path}" cannot be read (${error.reason}): ${error.message}`)
    }
  }
  return invalid("path", `"${path}" is not a usable path: ${error.message}`)
}

/**
 * Stats and sniffs a file on disk (reads 4100 bytes, or the whole file for subtitle text; a GIF or WebP whose head
 * does not tell whether it is animated is read on in 64 KiB pieces, one buffer, at the offsets its structure points
 * to, until it does, at most 15 MB).
 * Refuses a missing path, a directory or other non-regular file, and an empty file; then applies the same checks
 * as `inspectBytes`.
 *
 * @since 0.1.0
 */
export const inspectFile: (
  path: string,
  options?: Options
) => Effect.Effect<Inspection, XError.InvalidInput, FileSystem.FileSystem> = Effect.fn("Preflight.inspectFile")(
  function*(path: string, options?: Options) {
    const fs = yield* FileSystem.FileSystem
    const info = yield* Effect.mapError(fs.stat(path), (e) => fsError(path, e))
    if (info.type === "Directory") {
      return yield* invalid("path", `"${path}" is a directory: give the path of a file inside it`)
    }
    if (info.type !== "File") {
      return yield* invalid("path", `"${path}" is not a regular file (it is a ${info.type}): give the path of a file`)
    }
    const size = Number(info.size)
    if (size === 0) {
      return yield* invalid("path", `"${path}" is empty (0 bytes): give a file with content`)
    }
    const sniffed = yield* Effect.scoped(Effect.gen(function*() {
      const file = yield* Effect.mapError(fs.open(path, { flag: "r" }), (e) => fsError(path, e))
      const head = yield* file.readAlloc(Math.min(size, HEAD_BYTES)).pipe(
        Effect.mapError((e) => fsError(path, e)),
        Effect.map(Option.getOrElse(() => new Uint8Array(0)))
      )
      const readAll = Effect.mapError(fs.readFile(path), (e) => fsError(path, e))
      const sniffed = yield* sniff(head, readAll, size, path, options)
      // a GIF's second frame (or its trailer) may lie past the head: read on in bounded pieces, into one buffer
      let buffer: Uint8Array | undefined
      const more = (position: number) =>
        Effect.gen(function*() {
          buffer ??= new Uint8Array(SCAN_PIECE_BYTES)
          yield* file.seek(position, "start")
          const read = Number(yield* file.read(buffer))
          return buffer.subarray(0, read)
        }).pipe(Effect.mapError((e) => fsError(path, e)))
      const image = yield* scanImage(sniffed.mediaType, size, head, more)
      return { ...sniffed, image }
    }))
    const inspection = yield* categorise(sniffed, size, path, options)
    return Option.match(info.mtime, {
      onNone: () => inspection,
      onSome: (mtime) => ({ ...inspection, modifiedAtMs: mtime.getTime() })
    })
  }
)

/**
 * Inspects a path (which needs `FileSystem`) or bytes (which need nothing): the single entry point the uploader
 * uses.
 *
 * @since 0.1.0
 */
export const inspect = <S extends string | Uint8Array>(
  source: S,
  options?: Options
): Effect.Effect<Inspection, XError.InvalidInput, S extends string ? FileSystem.FileSystem : never> =>
  // only a path reads the file system; bytes are inspected in memory
  (typeof source === "string"
    ? inspectFile(source, options)
    : inspectBytes(source as Uint8Array, options)) as Effect.Effect<
      Inspection,
      XError.InvalidInput,
      S extends string ? FileSystem.FileSystem : never
    >
