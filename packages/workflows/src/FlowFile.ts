/**
 * Flow files for scripted use: a JSON or YAML document naming a seed flow and its inputs, decoded with Schema.
 *
 * ```yaml
 * flow: before-post          # or after-post
 * video: ./launch.mp4
 * subtitles:
 *   - { file: ./launch.en.srt, language: en-US, name: English }
 *   - { file: ./launch.fr.vtt, language: fr, name: Français }
 * altText: The launch, on stage   # optional
 * text: We launched!
 * idempotencyKey: launch-2026-11   # optional
 * ```
 *
 * Errors point at the field (`subtitles[1].language`) and say what to fix. Relative paths are resolved against the
 * flow file's directory by `load`.
 *
 * @since 0.1.0
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Either, ParseResult, Schema } from "effect"
import { parseDocument } from "yaml"
import * as Flow from "./Flow.js"

const NonEmpty = (what: string) =>
  Schema.String.pipe(Schema.minLength(1, { message: () => `${what} must not be empty` }))

/**
 * One subtitle track in a flow file.
 *
 * @since 0.1.0
 */
export const Track = Schema.Struct({
  file: NonEmpty("the subtitle file path").pipe(
    Schema.filter((s) => /\.(srt|vtt)$/i.test(s), {
      message: () => "a subtitle file must be .srt or .vtt"
    })
  ),
  language: Schema.String.pipe(
    Schema.filter((s) => Flow.normalizeLanguage(s) !== undefined, {
      message: (issue) =>
        `${JSON.stringify(issue.actual)} is not a language; use a two-letter code such as "en" or a tag such as "en-US"`
    })
  ),
  name: NonEmpty("the track name (shown in the player, e.g. \"English\")")
})

/**
 * The flow file document.
 *
 * @since 0.1.0
 */
export const FlowFile = Schema.Struct({
  flow: Schema.String.pipe(
    Schema.filter((s): s is "before-post" | "after-post" => s === "before-post" || s === "after-post", {
      message: (issue) =>
        `${JSON.stringify(issue.actual)} is not a flow; use "before-post" (subtitles first, then the post) or ` +
        `"after-post"`
    })
  ),
  video: NonEmpty("the video path"),
  category: Schema.optional(Schema.String.pipe(
    Schema.filter((s): s is "tweet_video" | "amplify_video" => s === "tweet_video" || s === "amplify_video", {
      message: () => `"category" must be "tweet_video" (the default) or "amplify_video"`
    })
  )),
  subtitles: Schema.Array(Track).pipe(
    Schema.filter((tracks) => {
      const codes = tracks.map((t) => Flow.normalizeLanguage(t.language))
      const dup = codes.find((c, i) => c !== undefined && codes.indexOf(c) !== i)
      return dup === undefined ? true : `two tracks have the language ${dup}; keep one track per language`
    })
  ),
  altText: Schema.optional(Schema.String.pipe(
    Schema.minLength(1, { message: () => "altText must not be empty (omit it instead)" }),
    // characters as X counts them (code points, JSON Schema's maxLength): an emoji is one
    Schema.filter((text) => Array.from(text).length <= 1000 || "altText is at most 1000 characters")
  )),
  text: Schema.String.pipe(Schema.maxLength(280, { message: () => "text is at most 280 characters" })),
  idempotencyKey: Schema.optional(NonEmpty("idempotencyKey"))
})
/** @since 0.1.0 */
export type FlowFile = typeof FlowFile.Type

/**
 * A flow file that cannot be used: each problem names the field (or line) and what to fix.
 *
 * @since 0.1.0
 */
export class FlowFileInvalid extends Schema.TaggedError<FlowFileInvalid>()("FlowFileInvalid", {
  source: Schema.String,
  problems: Schema.Array(Schema.Struct({ field: Schema.String, message: Schema.String }))
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${this.source}: ` + this.problems.map((p) => `${p.field}: ${p.message}`).join("; ")
  }
}

const fieldOf = (path: ReadonlyArray<PropertyKey>): string =>
  path.length === 0
    ? "(document)"
    : path.reduce<string>(
      (acc, key) => typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`,
      ""
    )

const decodeValue = (source: string, value: unknown): Effect.Effect<FlowFile, FlowFileInvalid> =>
  Schema.decodeUnknown(FlowFile, { errors: "all", onExcessProperty: "error" })(value).pipe(
    Effect.mapError((error) =>
      new FlowFileInvalid({
        source,
        problems: ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
          field: fieldOf(issue.path),
          message: issue._tag === "Unexpected"
            ? `unknown field; the fields are flow, video, category, subtitles, altText, text, idempotencyKey`
            : issue.message
        }))
      })
    )
  )

/**
 * Decode a flow file from its text. `format` defaults to YAML (a superset of JSON).
 *
 * @since 0.1.0
 */
export const decode = (
  text: string,
  options?: { readonly format?: "json" | "yaml"; readonly source?: string }
): Effect.Effect<FlowFile, FlowFileInvalid> => {
  const source = options?.source ?? "flow file"
  if (options?.format === "json") {
    const parsed = Either.try(() => JSON.parse(text) as unknown)
    if (Either.isLeft(parsed)) {
      return Effect.fail(
        new FlowFileInvalid({
          source,
          problems: [{ field: "(json)", message: `not valid JSON: ${String(parsed.left)}` }]
        })
      )
    }
    return decodeValue(source, parsed.right)
  }
  const doc = parseDocument(text, { prettyErrors: true })
  if (doc.errors.length > 0) {
    return Effect.fail(
      new FlowFileInvalid({
        source,
        problems: doc.errors.map((e) => ({
          field: e.linePos === undefined ? "(yaml)" : `line ${e.linePos[0].line}, column ${e.linePos[0].col}`,
          message: e.message.split("\n")[0] ?? e.message
        }))
      })
    )
  }
  return decodeValue(source, doc.toJS())
}

/**
 * The flow a flow file describes.
 *
 * @since 0.1.0
 */
export const toFlow = (file: FlowFile): Flow.Flow => {
  const input: Flow.VideoPostInput = {
    video: file.video,
    subtitles: file.subtitles,
    text: file.text,
    altText: file.altText,
    category: file.category
  }
  return file.flow === "before-post" ? Flow.beforePost(input) : Flow.afterPost(input)
}

/**
 * Read and decode a flow file (`.json` as JSON, anything else as YAML); relative media paths are resolved
 * against the file's directory.
 *
 * @since 0.1.0
 */
export const load: (
  path: string
) => Effect.Effect<FlowFile, FlowFileInvalid, FileSystem.FileSystem | Path.Path> = Effect.fn("FlowFile.load")(
  function*(path: string) {
    const fs = yield* FileSystem.FileSystem
    const paths = yield* Path.Path
    const text = yield* fs.readFileString(path).pipe(
      Effect.mapError((e) =>
        new FlowFileInvalid({ source: path, problems: [{ field: "(file)", message: `cannot read it: ${e.message}` }] })
      )
    )
    const file = yield* decode(text, { format: path.toLowerCase().endsWith(".json") ? "json" : "yaml", source: path })
    const dir = paths.dirname(paths.resolve(path))
    const resolve = (p: string) => paths.isAbsolute(p) ? p : paths.resolve(dir, p)
    return {
      ...file,
      video: resolve(file.video),
      subtitles: file.subtitles.map((t) => ({ ...t, file: resolve(t.file) }))
    }
  }
)
