/**
 * Flow files for `xmedia run`: JSON or YAML, decoded with Schema. Paths inside a file are relative to the file.
 *
 * ```yaml
 * flow: before-post          # or after-post
 * video: clip.mp4
 * subtitles:
 *   - { file: clip.en.srt, language: en, name: English }
 *   - { file: clip.fr.srt, language: fr }   # name defaults to the language's name
 * alt: A short description   # optional
 * text: Hello                # optional post text
 * ```
 *
 * A bad file fails with `BadInput` naming the file and the field, e.g.
 * `flows/a.yaml: subtitles[1].language: "english" is not a language code: ...`.
 *
 * @since 0.1.0
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Either, ParseResult, Schema } from "effect"
import * as YAML from "yaml"
import { BadInput } from "./Failure.js"
import * as Inputs from "./Inputs.js"
import type { FlowSpec } from "./Spec.js"

/**
 * The schema of a flow file.
 *
 * @since 0.1.0
 */
export const FlowFile = Schema.Struct({
  flow: Schema.Literal("before-post", "after-post"),
  video: Schema.NonEmptyString,
  subtitles: Schema.optionalWith(
    Schema.Array(Schema.Struct({
      file: Schema.NonEmptyString,
      language: Schema.NonEmptyString,
      name: Schema.optional(Schema.String)
    })),
    { default: () => [] }
  ),
  alt: Schema.optional(Schema.String),
  text: Schema.optionalWith(Schema.String, { default: () => "" })
})
/** @since 0.1.0 */
export type FlowFile = typeof FlowFile.Type

const firstIssue = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const issue = issues[0]
  if (issue === undefined) return error.message
  const where = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "")
  return `${where === "" ? "" : `${where}: `}${issue.message}`
}

/**
 * Reads, decodes and resolves one flow file into a `FlowSpec` (files are checked later by `Spec.check`).
 *
 * @since 0.1.0
 */
export const load = (file: string): Effect.Effect<FlowSpec, BadInput, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError(() => new BadInput({ message: `flow file ${file} cannot be read: check the path` }))
    )
    const parsed = Either.try(() => (/\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text)) as unknown)
    if (Either.isLeft(parsed)) {
      const reason = parsed.left instanceof Error ? parsed.left.message.split("\n")[0] : String(parsed.left)
      return yield* new BadInput({ message: `flow file ${file} is not valid ${/\.json$/i.test(file) ? "JSON" : "YAML"}: ${reason}` })
    }
    const decoded = yield* Schema.decodeUnknown(FlowFile, { errors: "first", onExcessProperty: "error" })(parsed.right).pipe(
      Effect.mapError((e) => new BadInput({ message: `flow file ${file}: ${firstIssue(e)}` }))
    )
    const dir = path.dirname(file)
    const resolve = (p: string) => (path.isAbsolute(p) ? p : path.join(dir, p))
    const subtitles = yield* Effect.forEach(decoded.subtitles, (s, i) =>
      Inputs.makeTrack(resolve(s.file), s.language, s.name).pipe(
        Effect.mapError((e) => new BadInput({ message: `flow file ${file}: subtitles[${i}].language: ${e.message}` }))
      ))
    return {
      name: path.basename(file).replace(/\.(json|ya?ml)$/i, ""),
      kind: decoded.flow === "before-post" ? "before" : "after",
      video: resolve(decoded.video),
      subtitles,
      altText: decoded.alt,
      text: decoded.text
    } satisfies FlowSpec
  })
