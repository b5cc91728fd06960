/**
 * Runs the two subtitle flows through @xmedia/workflows (`Flow.beforePost` / `Flow.afterPost` on `Runner.run`),
 * reporting every step to `Progress`.
 *
 * - before-post: upload the video and the subtitle files (concurrently) -> wait for processing -> alt text ->
 *   associate each track -> post.
 * - after-post: upload the video and the subtitle files -> wait -> alt text -> post -> associate each track.
 *
 * A flow runs under an idempotency key (`<run id>/<flow name>`): running it again with the same key (the `resume`
 * command) reuses every finished step and never posts twice. A failure becomes `XSideFailure` naming the failed
 * step, with one line per thing that already exists on X and what a re-run does.
 *
 * @since 0.1.0
 */
import { Ids, type Uploader } from "@xmedia/core"
import { Flow, type FlowError, type FlowEvent, Runner } from "@xmedia/workflows"
import { Effect } from "effect"
import { XSideFailure } from "./Failure.js"
import { Progress } from "./Progress.js"
import * as ProgressEvents from "./Progress.js"
import type { FlowSpec } from "./Spec.js"

/**
 * What a flow created on X.
 *
 * @since 0.1.0
 */
export interface Outcome {
  readonly name: string
  readonly kind: FlowSpec["kind"]
  readonly postId: Ids.PostId
  readonly video: { readonly id: Ids.MediaId; readonly key: Ids.MediaKey }
  readonly tracks: ReadonlyArray<{ readonly language: Ids.LanguageCode; readonly name: string; readonly id: Ids.MediaId }>
}

/**
 * The workflow value of a spec.
 *
 * @since 0.1.0
 */
export const toFlow = (spec: FlowSpec): Flow.Flow => {
  const input: Flow.VideoPostInput = {
    video: spec.video,
    subtitles: spec.subtitles.map((t) => ({ file: t.file, language: t.language, name: t.name })),
    text: spec.text,
    altText: spec.altText
  }
  return spec.kind === "before" ? Flow.beforePost(input) : Flow.afterPost(input)
}

const stepLabel = (step: string) =>
  step === "upload-video"
    ? "upload video"
    : step.startsWith("upload-subtitles-")
    ? `upload ${step.slice("upload-subtitles-".length)} subtitles`
    : step.replace(/-/g, " ")

/**
 * Maps a flow event to what the renderer shows (`undefined`: nothing to show).
 *
 * @since 0.1.0
 */
export const toEvent = (flow: string, spec: FlowSpec, event: FlowEvent.FlowEvent): ProgressEvents.Event | undefined => {
  const label = (step: string) => {
    if (step === "upload-video" || step === "await-video") return `${flow}: ${basename(spec.video)}`
    const code = step.startsWith("upload-subtitles-") ? step.slice("upload-subtitles-".length) : undefined
    const track = spec.subtitles.find((t) => t.language === code)
    return `${flow}: ${track === undefined ? step : basename(track.file)}`
  }
  switch (event._tag) {
    case "StepStarted":
      return ProgressEvents.Event.Step({ flow, step: stepLabel(event.step), status: "started" })
    case "StepFinished":
      return ProgressEvents.Event.Step({
        flow,
        step: stepLabel(event.step),
        status: "finished",
        detail: event.reused ? "already done (reused)" : undefined
      })
    case "StepFailed":
      return ProgressEvents.Event.Step({ flow, step: stepLabel(event.step), status: "failed", detail: event.message })
    case "Bytes":
      return ProgressEvents.Event.Bytes({ label: label(event.step), sent: event.sent, total: event.total })
    case "Processing":
      return ProgressEvents.Event.Processing({ label: label(event.step), state: event.state, percent: event.percent })
    case "Waiting":
      return ProgressEvents.Event.Waiting({
        label: label(event.step),
        reason: `${event.reason}${event.endpoint === undefined ? "" : ` (${event.endpoint})`}`,
        seconds: Math.round(event.millis / 100) / 10
      })
    case "Retrying":
      return ProgressEvents.Event.Waiting({ label: label(event.step), reason: `retry ${event.attempt}: ${event.reason}` })
    case "FlowStarted":
      return event.run > 1
        ? ProgressEvents.Event.Info({ text: `[${flow}] run ${event.run}: finished steps are reused` })
        : undefined
    case "FlowFinished":
    case "FlowFailed":
      return undefined
  }
}

const basename = (p: string) => p.split(/[\\/]/).pop() ?? p

/**
 * Runs one flow under `idempotencyKey`.
 *
 * @since 0.1.0
 */
export const run = (
  spec: FlowSpec,
  idempotencyKey: string
): Effect.Effect<Outcome, XSideFailure, Runner.RunContext | Progress> =>
  Effect.gen(function*() {
    const progress = yield* Progress
    const flow = spec.name
    const result = yield* Runner.run(toFlow(spec), {
      idempotencyKey,
      onEvent: (event) => {
        const shown = toEvent(flow, spec, event)
        return shown === undefined ? Effect.void : progress.emit(shown)
      }
    }).pipe(Effect.mapError((e) => toFailure(flow, spec, e)))
    return yield* outcomeOf(spec, result.outputs).pipe(
      Effect.mapError((detail) =>
        new XSideFailure({ message: `[${flow}] finished but its result is incomplete: ${detail}`, onX: [] })
      )
    )
  })

const toFailure = (flow: string, spec: FlowSpec, e: FlowError.RunError): XSideFailure => {
  if (e._tag !== "FlowFailed") return new XSideFailure({ message: `[${flow}] ${e.message}`, onX: [] })
  const onX = [
    ...e.existing.posts.map((p) => `[${flow}] post ${p.postId}`),
    ...e.existing.media.map((m) => `[${flow}] media ${m.mediaId} (key ${m.mediaKey}, ${m.category}, from step ${m.step})`),
    ...(spec.kind === "before" && e.existing.posts.length === 0 ? [`[${flow}] no post was created`] : []),
    `[${flow}] ${e.rerun}`
  ]
  return new XSideFailure({
    message: `[${flow}] step "${stepLabel(e.step)}" failed: ${e.cause}${e.reason === undefined ? "" : ` (${e.reason})`}: ${e.detail}`,
    onX
  })
}

const outcomeOf = (spec: FlowSpec, outputs: Runner.FlowResult["outputs"]) =>
  Effect.gen(function*() {
    const video = outputs["upload-video"]
    const post = outputs["create-post"]
    if (video === undefined || !("mediaKey" in video)) return yield* Effect.fail("no uploaded video")
    if (post === undefined || !("postId" in post)) return yield* Effect.fail("no post")
    const tracks = yield* Effect.forEach(spec.subtitles, (t) => {
      const out = outputs[`upload-subtitles-${t.language}`]
      return out !== undefined && "mediaId" in out
        ? Effect.succeed({ language: t.language, name: t.name, id: Ids.MediaId.make(out.mediaId) })
        : Effect.fail(`no uploaded ${t.language} subtitles`)
    })
    return {
      name: spec.name,
      kind: spec.kind,
      postId: Ids.PostId.make(post.postId),
      video: { id: Ids.MediaId.make(video.mediaId), key: Ids.MediaKey.make(video.mediaKey) },
      tracks
    } satisfies Outcome
  })

/**
 * Maps the uploader's progress events to the renderer's.
 *
 * @since 0.1.0
 */
export const toProgress = (label: string, event: Uploader.Progress): ProgressEvents.Event => {
  switch (event._tag) {
    case "Initialized":
      return ProgressEvents.Event.Bytes({ label, sent: 0, total: event.totalBytes })
    case "SegmentSent":
      return ProgressEvents.Event.Bytes({ label, sent: event.bytesSent, total: event.totalBytes })
    case "Finalized":
      return event.processing
        ? ProgressEvents.Event.Processing({ label, state: "pending" })
        : ProgressEvents.Event.Processing({ label, state: "succeeded", percent: 100 })
    case "Processing":
      return ProgressEvents.Event.Processing({ label, state: event.state, percent: event.percent })
    case "Retrying":
      return ProgressEvents.Event.Waiting({
        label,
        reason: `${event.operation} retry ${event.attempt}: ${event.reason}`,
        seconds: Math.round(event.delayMs / 100) / 10
      })
    case "Completed":
      return ProgressEvents.Event.Processing({ label, state: "succeeded", percent: 100 })
  }
}
