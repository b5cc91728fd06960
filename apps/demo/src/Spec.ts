/**
 * What the CLI runs: a subtitle flow described by its inputs (video, subtitle tracks, alt text, post text, and
 * whether the subtitles go on before or after the post), checked locally before anything is uploaded.
 *
 * @since 0.1.0
 */
import type { FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import type { BadInput } from "./Failure.js"
import * as Inputs from "./Inputs.js"

/**
 * `before`: upload the video and subtitles, associate, then post. `after`: upload the video, post, then upload and
 * associate the subtitles.
 *
 * @since 0.1.0
 */
export type Kind = "before" | "after"

/**
 * One flow to run.
 *
 * @since 0.1.0
 */
export interface FlowSpec {
  /** A short name shown in progress lines (e.g. the flow file's name). */
  readonly name: string
  readonly kind: Kind
  readonly video: string
  readonly subtitles: ReadonlyArray<Inputs.SubtitleTrack>
  readonly altText: string | undefined
  readonly text: string
}

/**
 * Checks every file of a flow (video bytes, each subtitle file parses, alt text length). Fails with `BadInput`.
 *
 * @since 0.1.0
 */
export const check = (spec: FlowSpec): Effect.Effect<FlowSpec, BadInput, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    yield* Inputs.checkVideoFile(spec.video)
    yield* Effect.forEach(spec.subtitles, Inputs.checkSubtitleFile, { discard: true })
    yield* Inputs.checkDistinctLanguages(spec.subtitles)
    if (spec.altText !== undefined) yield* Inputs.checkAltText(spec.altText)
    if (spec.text.length > 280) return yield* Inputs.bad(`--text is ${spec.text.length} characters: a post takes at most 280`)
    return spec
  })
