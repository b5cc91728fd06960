import type { FileSystem } from "@effect/platform"
import { Activity } from "@effect/workflow"
import type { WorkflowEngine, WorkflowInstance } from "@effect/workflow/WorkflowEngine"
import { Ids } from "@xmedia/core"
import { Clock, Duration, Effect, Either, Option, Schema } from "effect"
import * as Flow from "../Flow.js"
import { FileChanged, Fingerprint, FlowFailed } from "../FlowError.js"
import { CurrentStep, publish } from "../FlowEvent.js"
import { isRetryable, MediaOps, OpError, Processing, UploadSession } from "../MediaOps.js"
import { fingerprint, readSegment, sameFingerprint } from "./files.js"

/** the workflow payload's fields (see Runner.FlowWorkflow) */
export const PayloadFields = {
  key: Schema.String,
  run: Schema.Number,
  flow: Flow.Flow,
  files: Schema.Record({ key: Schema.String, value: Fingerprint }),
  carry: Schema.Record({ key: Schema.String, value: Flow.StepOutput }),
  chunkSize: Schema.Number,
  concurrency: Schema.Number,
  processingTimeoutSecs: Schema.Number
}

const PayloadSchema = Schema.Struct(PayloadFields)

/** the workflow payload */
export type Payload = typeof PayloadSchema.Type

const StepError = Schema.Union(OpError, FileChanged)
type StepError = typeof StepError.Type

type Needs = MediaOps | FileSystem.FileSystem

const FinalizeOut = Schema.Struct({ processing: Schema.optional(Processing) })

const MAX_ATTEMPTS = 5
const backoff = (attempt: number) => Math.min(1000 * 2 ** (attempt - 1), 30_000)

/** the body of the flow workflow: interprets a flow value, one Activity per side effect */
export const interpret = (sent: Payload) =>
  Effect.gen(function*() {
    // The first activity journals the payload as first started. A later `execute` with the same execution id may
    // carry a different payload (files re-fingerprinted after a change, an edited flow): the journaled one wins, so
    // a changed file is detected against the fingerprints the finished activities were made with.
    const payload = yield* Activity.make({ name: "payload", success: PayloadSchema, execute: Effect.succeed(sent) })
    const ops = yield* MediaOps
    const { flow, key } = payload
    const outputs = new Map<string, Flow.StepOutput>(Object.entries(payload.carry))
    const reused = new Set(outputs.keys())

    /** announce and wait out the pause before attempt `attempt + 1`: until `retryAt` after a 429, else backoff */
    const pause = (stepId: string, label: string, attempt: number, error: OpError) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const millis = error.reason === "RateLimited" && error.retryAt !== undefined
          ? Math.max(0, error.retryAt - now)
          : backoff(attempt)
        yield* publish({ _tag: "Retrying", key, step: stepId, attempt: attempt + 1, reason: error.message })
        yield* publish({
          _tag: "Waiting",
          key,
          step: stepId,
          reason: error.reason === "RateLimited" ? "rate-limit" : "retry",
          millis,
          endpoint: label
        })
        yield* Effect.sleep(Duration.millis(millis))
      })

    const retrying = <A>(stepId: string, label: string, effect: Effect.Effect<A, OpError>) => {
      const loop = (attempt: number): Effect.Effect<A, OpError> =>
        Effect.catchAll(effect, (error) => {
          if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) return Effect.fail(error)
          return Effect.zipRight(pause(stepId, label, attempt, error), loop(attempt + 1))
        })
      return loop(1)
    }

    const activity = <A, I>(
      stepId: string,
      name: string,
      success: Schema.Schema<A, I>,
      execute: Effect.Effect<A, StepError, Needs>
    ) =>
      Activity.make({
        name: `${stepId}/${name}`,
        success,
        error: StepError,
        execute: Effect.locally(execute, CurrentStep, { key, step: stepId })
      })

    const media = (input: Flow.MediaInput | Flow.ExistingMedia | { readonly _tag: "Ref"; readonly step: string }) =>
      input._tag === "Ref"
        ? outputs.get(input.step) as Flow.Uploaded
        : {
          mediaId: input.mediaId,
          mediaKey: input.mediaKey ?? "",
          category: input.category,
          expiresAt: Number.MAX_SAFE_INTEGER
        }

    const upload = (step: typeof Flow.UploadMedia.Type | typeof Flow.UploadSubtitles.Type) =>
      Effect.gen(function*() {
        const fp = payload.files[step.path]!
        const category = step._tag === "UploadSubtitles" ? "subtitles" as const : step.category
        const segments = Math.max(1, Math.ceil(fp.size / payload.chunkSize))
        for (let generation = 0;; generation++) {
          const session = yield* activity(
            step.id,
            `initialize#${generation}`,
            UploadSession,
            retrying(
              step.id,
              "initialize",
              ops.initialize({ mediaType: step.mediaType, totalBytes: fp.size, category })
            )
          )
          const rest = Effect.gen(function*() {
            for (let i = 0; i < segments; i++) {
              const offset = i * payload.chunkSize
              const length = Math.min(payload.chunkSize, fp.size - offset)
              yield* activity(
                step.id,
                `append#${generation}/${i}`,
                Schema.Void,
                Effect.gen(function*() {
                  const now = yield* Clock.currentTimeMillis
                  if (now >= session.expiresAt) {
                    return yield* new OpError({
                      operation: "append",
                      reason: "Expired",
                      detail: `media ${session.mediaId} expired at ${new Date(session.expiresAt).toISOString()}`
                    })
                  }
                  const bytes = yield* readSegment(step.path, offset, length).pipe(
                    Effect.mapError(() => new FileChanged({ path: step.path, expected: fp }))
                  )
                  if (bytes.length !== length) {
                    return yield* new FileChanged({ path: step.path, expected: fp })
                  }
                  yield* retrying(
                    step.id,
                    "append",
                    ops.append({ mediaId: session.mediaId, segmentIndex: i, media: bytes })
                  )
                  yield* publish({ _tag: "Bytes", key, step: step.id, sent: offset + length, total: fp.size })
                })
              )
            }
            yield* activity(
              step.id,
              `finalize#${generation}`,
              FinalizeOut,
              retrying(step.id, "finalize", ops.finalize(session.mediaId))
            )
            const out: Flow.Uploaded = {
              mediaId: session.mediaId,
              mediaKey: session.mediaKey,
              category,
              expiresAt: session.expiresAt
            }
            return out
          })
          const result = yield* Effect.either(rest)
          if (Either.isRight(result)) return result.right
          const error = result.left
          if (error._tag === "OpError" && error.reason === "Expired" && generation < 2) {
            yield* publish({
              _tag: "Retrying",
              key,
              step: step.id,
              attempt: generation + 2,
              reason: `${error.detail}; uploading the file again`
            })
            continue
          }
          return yield* error
        }
      })

    const awaitProcessing = (step: typeof Flow.AwaitProcessing.Type) => {
      const item = media(step.media)
      return activity(
        step.id,
        "status",
        Flow.Uploaded,
        Effect.gen(function*() {
          const started = yield* Clock.currentTimeMillis
          while (true) {
            const { processing } = yield* retrying(step.id, "status", ops.status(item.mediaId))
            if (processing === undefined || processing.state === "succeeded") {
              yield* publish({ _tag: "Processing", key, step: step.id, state: "succeeded", percent: 100 })
              return item
            }
            if (processing.state === "failed") {
              return yield* new OpError({
                operation: "status",
                reason: "ProcessingFailed",
                detail: `X could not process media ${item.mediaId}: ${
                  processing.error === undefined
                    ? "no reason given"
                    : `${processing.error.name} (${processing.error.code}): ${processing.error.message}`
                }`
              })
            }
            yield* publish({
              _tag: "Processing",
              key,
              step: step.id,
              state: processing.state,
              percent: processing.progressPercent
            })
            const now = yield* Clock.currentTimeMillis
            if (now - started >= payload.processingTimeoutSecs * 1000) {
              return yield* new OpError({
                operation: "status",
                reason: "ProcessingTimeout",
                detail: `media ${item.mediaId} was still ${processing.state} after ${payload.processingTimeoutSecs} s`
              })
            }
            const millis = Math.max(1, processing.checkAfterSecs ?? 5) * 1000
            yield* publish({ _tag: "Waiting", key, step: step.id, reason: "processing", millis, endpoint: undefined })
            yield* Effect.sleep(Duration.millis(millis))
          }
        })
      )
    }

    const notAVideo = (operation: string, item: Flow.Uploaded) =>
      new OpError({
        operation,
        reason: "Rejected",
        detail: `media ${item.mediaId} is ${item.category}; subtitles need a tweet_video or amplify_video`
      })

    const createPost = (step: typeof Flow.CreatePost.Type) => {
      const items = step.media.map(media)
      const keys = items.map((m) => m.mediaKey).filter((k) => k.length > 0)
      return activity(
        step.id,
        "create",
        Flow.Posted,
        Effect.gen(function*() {
          for (let attempt = 1;; attempt++) {
            // At most once: a previous attempt (or a crashed process) may have created the post already.
            if (keys.length > 0) {
              const found = yield* retrying(step.id, "findPostWithMedia", ops.findPostWithMedia(keys[0]!))
              if (Option.isSome(found)) return { postId: found.value.postId, text: step.text, found: true }
            }
            const result = yield* Effect.either(
              ops.createPost({ text: step.text, mediaIds: items.map((m) => m.mediaId) })
            )
            if (Either.isRight(result)) return { postId: result.right.postId, text: step.text, found: false }
            const error = result.left
            const again = error.reason === "PostMayExist" || isRetryable(error)
            if (!again || attempt >= MAX_ATTEMPTS || (keys.length === 0 && error.reason === "PostMayExist")) {
              return yield* error
            }
            yield* pause(step.id, "createPost", attempt, error)
          }
        })
      )
    }

    const execute = (step: Flow.Step): Effect.Effect<Flow.StepOutput, StepError, Needs | WorkflowEngine | WorkflowInstance> => {
      switch (step._tag) {
        case "UploadMedia":
        case "UploadSubtitles":
          return upload(step)
        case "AwaitProcessing":
          return awaitProcessing(step)
        case "AssociateSubtitles": {
          const video = media(step.video)
          const subtitles = outputs.get(step.subtitles.step) as Flow.Uploaded
          const category = Ids.subtitleVideoCategory(video.category)
          const out: Flow.Associated = {
            videoId: video.mediaId,
            subtitlesId: subtitles.mediaId,
            languageCode: step.languageCode
          }
          return activity(
            step.id,
            "associate",
            Flow.Associated,
            category === undefined ? Effect.fail(notAVideo("associateSubtitles", video)) : retrying(
              step.id,
              "associateSubtitles",
              ops.associateSubtitles({
                videoId: video.mediaId,
                videoCategory: category,
                subtitlesId: subtitles.mediaId,
                languageCode: step.languageCode,
                displayName: step.displayName
              })
            ).pipe(Effect.as(out))
          )
        }
        case "RemoveSubtitles": {
          const video = media(step.video)
          const category = Ids.subtitleVideoCategory(video.category)
          const out: Flow.SubtitlesRemoved = { videoId: video.mediaId, languageCode: step.languageCode }
          return activity(
            step.id,
            "remove",
            Flow.SubtitlesRemoved,
            category === undefined ? Effect.fail(notAVideo("removeSubtitles", video)) : retrying(
              step.id,
              "removeSubtitles",
              ops.removeSubtitles({ videoId: video.mediaId, videoCategory: category, languageCode: step.languageCode })
            ).pipe(Effect.as(out))
          )
        }
        case "SetAltText": {
          const item = media(step.media)
          return activity(
            step.id,
            "metadata",
            Flow.AltTextSet,
            retrying(step.id, "setAltText", ops.setAltText({ mediaId: item.mediaId, altText: step.altText })).pipe(
              Effect.as({ mediaId: item.mediaId })
            )
          )
        }
        case "CreatePost":
          return createPost(step)
        case "DeletePost": {
          const postId = step.post._tag === "Ref"
            ? (outputs.get(step.post.step) as Flow.Posted).postId
            : step.post.postId
          return activity(
            step.id,
            "delete",
            Flow.PostDeleted,
            retrying(step.id, "deletePost", ops.deletePost(postId)).pipe(Effect.as({ postId }))
          )
        }
      }
    }

    const failure = (step: Flow.Step, error: StepError): FlowFailed => {
      const done = flow.steps.filter((s) => outputs.has(s.id)).map((s) => s.id)
      const todo = flow.steps.filter((s) => !outputs.has(s.id)).map((s) => s.id)
      const existing = {
        media: flow.steps.flatMap((s) => {
          const out = outputs.get(s.id)
          return (s._tag === "UploadMedia" || s._tag === "UploadSubtitles") && out !== undefined && "mediaKey" in out
            ? [{ step: s.id, mediaId: out.mediaId, mediaKey: out.mediaKey, category: out.category }]
            : []
        }),
        posts: flow.steps.flatMap((s) => {
          const out = outputs.get(s.id)
          return s._tag === "CreatePost" && out !== undefined && "postId" in out ? [{ step: s.id, postId: out.postId }] : []
        })
      }
      const reuse = done.length === 0 ? "nothing to reuse" : `reuses ${done.length} finished step(s) (${done.join(", ")})`
      const rerun = error._tag === "FileChanged"
        ? `A re-run with the same idempotency key ${reuse} and uploads the remaining files as they are then.`
        : `A re-run with the same idempotency key ${reuse} and runs ${todo.join(", ")}` +
          (error.reason === "Rejected" ? "; fix what X rejected first, or it fails the same way." : ".")
      return new FlowFailed({
        flow: flow.name,
        key,
        run: payload.run,
        step: step.id,
        stepKind: step._tag,
        cause: error._tag,
        reason: error._tag === "OpError" ? error.reason : undefined,
        detail: error.message,
        existing,
        completed: Object.fromEntries(outputs),
        files: payload.files,
        rerun
      })
    }

    yield* publish({ _tag: "FlowStarted", key, flow: flow.name, run: payload.run })

    // Replay re-runs this body: re-check every file this run still has to upload (a read, not a side effect on X).
    for (const step of flow.steps) {
      if ((step._tag !== "UploadMedia" && step._tag !== "UploadSubtitles") || reused.has(step.id)) continue
      const expected = payload.files[step.path]!
      const actual = yield* fingerprint(step.path).pipe(Effect.orElseSucceed(() => Option.none<Fingerprint>()))
      if (Option.isNone(actual) || !sameFingerprint(actual.value, expected)) {
        const error = new FileChanged({ path: step.path, expected, actual: Option.getOrUndefined(actual) })
        yield* publish({ _tag: "StepFailed", key, step: step.id, kind: step._tag, message: error.message })
        return yield* failure(step, error)
      }
    }

    for (const wave of Flow.waves(flow)) {
      const results = yield* Effect.forEach(wave, (step) => {
        if (outputs.has(step.id)) {
          return publish({ _tag: "StepFinished", key, step: step.id, kind: step._tag, reused: true }).pipe(
            Effect.as(Either.right<Flow.StepOutput>(outputs.get(step.id)!))
          )
        }
        return publish({ _tag: "StepStarted", key, step: step.id, kind: step._tag }).pipe(
          Effect.zipRight(execute(step)),
          Effect.tap((out) =>
            Effect.zipRight(
              Effect.sync(() => outputs.set(step.id, out)),
              publish({ _tag: "StepFinished", key, step: step.id, kind: step._tag, reused: false })
            )
          ),
          Effect.tapError((error) =>
            publish({ _tag: "StepFailed", key, step: step.id, kind: step._tag, message: error.message })
          ),
          Effect.either
        )
      }, { concurrency: payload.concurrency })
      const failedAt = results.findIndex(Either.isLeft)
      if (failedAt >= 0) {
        const error = (results[failedAt] as Either.Left<StepError, Flow.StepOutput>).left
        return yield* failure(wave[failedAt]!, error)
      }
    }
    return { outputs: Object.fromEntries(outputs) as Record<string, Flow.StepOutput> }
  })
