/**
 * Run flows on a workflow engine: one durable workflow (`FlowWorkflow`) interprets any flow value.
 *
 * @example
 * ```ts
 * import { NodeFileSystem } from "@effect/platform-node"
 * import { Engine, Flow, MediaOpsLive, Runner } from "@xmedia/workflows"
 * import { Effect, Layer } from "effect"
 *
 * const Live = Runner.layer.pipe(
 *   Layer.provideMerge(Engine.layerSqlite({ filename: "data/flows.db" })),
 *   Layer.provide(MediaOpsLive.layer),
 *   Layer.provide(NodeFileSystem.layer)
 * )
 * const program = Runner.run(
 *   Flow.beforePost({ video: "a.mp4", subtitles: [{ file: "a.en.srt", language: "en", name: "English" }], text: "Hi" }),
 *   { idempotencyKey: "launch-video-1", onEvent: (e) => Effect.log(e._tag) }
 * )
 * ```
 *
 * @since 0.1.0
 */
import type { FileSystem } from "@effect/platform"
import { Workflow, type WorkflowEngine } from "@effect/workflow"
import { Effect, Exit, Fiber, Layer, Option, Queue, Schema } from "effect"
import * as Flow from "./Flow.js"
import { type Fingerprint, FlowFailed, FlowFileError, FlowInvalid, type RunError } from "./FlowError.js"
import * as FlowEvent from "./FlowEvent.js"
import { fingerprint, sameFingerprint } from "./internal/files.js"
import { interpret, PayloadFields } from "./internal/interpreter.js"
import type { MediaOps } from "./MediaOps.js"

/**
 * What a finished flow returns: the output of every step, by step id.
 *
 * @since 0.1.0
 */
export const FlowResult = Schema.Struct({
  outputs: Schema.Record({ key: Schema.String, value: Flow.StepOutput })
})
/** @since 0.1.0 */
export type FlowResult = typeof FlowResult.Type

/**
 * The one workflow that runs every flow. Its payload carries the flow value, file paths with their sizes and
 * hashes (never bytes), and the outputs carried over from a failed earlier run. Execution id = hash of
 * `"<idempotency key>#<run>"`.
 *
 * @since 0.1.0
 */
export const FlowWorkflow = Workflow.make({
  name: "xmedia/Flow",
  payload: PayloadFields,
  success: FlowResult,
  error: FlowFailed,
  idempotencyKey: (payload) => `${payload.key}#${payload.run}`
})

/**
 * Registers `FlowWorkflow` on the engine and provides the `FlowEvents` hub. Needs an engine (`Engine.*`), a
 * `MediaOps` implementation and a `FileSystem`.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<
  FlowEvent.FlowEvents,
  never,
  WorkflowEngine.WorkflowEngine | MediaOps | FileSystem.FileSystem
> = FlowWorkflow.toLayer((payload) => interpret(payload)).pipe(Layer.provideMerge(FlowEvent.layer))

/**
 * Options of `run`.
 *
 * @since 0.1.0
 */
export interface RunOptions {
  /** the same key resumes (or returns) the same flow: never posts twice */
  readonly idempotencyKey: string
  readonly onEvent?: ((event: FlowEvent.FlowEvent) => Effect.Effect<void>) | undefined
  /** bytes per APPEND segment (default 4 MiB) */
  readonly chunkSize?: number | undefined
  /** how many independent steps of one wave run at once (default: all of them) */
  readonly concurrency?: number | undefined
  /** give up waiting for X's processing after this many seconds (default 600) */
  readonly processingTimeoutSecs?: number | undefined
}

/**
 * The requirements of `run`.
 *
 * @since 0.1.0
 */
export type RunContext = WorkflowEngine.WorkflowEngine | FlowEvent.FlowEvents | FileSystem.FileSystem

const fingerprints = (flow: Flow.Flow) =>
  Effect.gen(function*() {
    const files: Record<string, Fingerprint> = {}
    for (const step of flow.steps) {
      if ((step._tag !== "UploadMedia" && step._tag !== "UploadSubtitles") || files[step.path] !== undefined) continue
      const fp = yield* fingerprint(step.path).pipe(
        Effect.mapError((e) => new FlowFileError({ path: step.path, detail: `cannot be read: ${e.message}` }))
      )
      if (Option.isNone(fp)) {
        return yield* new FlowFileError({ path: step.path, detail: "does not exist; check the path" })
      }
      if (fp.value.size === 0) return yield* new FlowFileError({ path: step.path, detail: "is empty" })
      files[step.path] = fp.value
    }
    return files
  })

/**
 * Run a flow to completion (or to a typed failure).
 *
 * Re-running with the same `idempotencyKey`: a finished flow returns its stored result; a flow interrupted by a
 * crash resumes where its journal ends; a flow that failed starts a new run that reuses the outputs of the steps
 * that finished (it never uploads or posts them again) and runs the rest. A run that failed because a file changed
 * fails again (fast) until the file is restored.
 *
 * @since 0.1.0
 */
export const run: (
  flow: Flow.Flow,
  options: RunOptions
) => Effect.Effect<FlowResult, RunError, RunContext> = Effect.fn("Runner.run")(
  function*(flow: Flow.Flow, options: RunOptions) {
    const problems = Flow.validate(flow)
    if (problems.length > 0) return yield* new FlowInvalid({ flow: flow.name, problems })
    const files = yield* fingerprints(flow)
    const key = options.idempotencyKey
    let payload: typeof FlowWorkflow.payloadSchema.Type = {
      key,
      run: 1,
      flow,
      files,
      carry: {},
      chunkSize: options.chunkSize ?? 4 * 1024 * 1024,
      concurrency: options.concurrency ?? Number.MAX_SAFE_INTEGER,
      processingTimeoutSecs: options.processingTimeoutSecs ?? 600
    }
    // Find the run to continue: the first one without a failed result.
    while (true) {
      const executionId = yield* FlowWorkflow.executionId(payload)
      const result = yield* FlowWorkflow.poll(executionId)
      if (result === undefined || result._tag === "Suspended") break
      if (Exit.isSuccess(result.exit)) return result.exit.value
      const failure = result.exit.cause
      const error = failure._tag === "Fail" ? failure.error : undefined
      if (error === undefined) return yield* Effect.failCause(failure)
      // A file changed under a run: fail fast until it is restored (or a new key is used).
      const stillChanged = Object.entries(error.files).some(([path, expected]) => {
        const now = files[path]
        return now !== undefined && !sameFingerprint(now, expected)
      })
      if (error.cause === "FileChanged" && stillChanged) return yield* error
      payload = { ...payload, run: payload.run + 1, carry: error.completed }
    }
    const onEvent = options.onEvent
    if (onEvent === undefined) return yield* FlowWorkflow.execute(payload)
    return yield* Effect.scoped(Effect.gen(function*() {
      const events = yield* FlowEvent.FlowEvents
      const queue = yield* events.subscribe
      const forward = (event: FlowEvent.FlowEvent) => event.key === key ? onEvent(event) : Effect.void
      const fiber = yield* Queue.take(queue).pipe(Effect.flatMap(forward), Effect.forever, Effect.fork)
      const exit = yield* Effect.exit(FlowWorkflow.execute(payload))
      yield* Fiber.interrupt(fiber)
      const rest = yield* Queue.takeAll(queue)
      for (const event of rest) yield* forward(event)
      yield* forward(
        Exit.isSuccess(exit)
          ? { _tag: "FlowFinished", key, flow: flow.name }
          : {
            _tag: "FlowFailed",
            key,
            flow: flow.name,
            message: exit.cause._tag === "Fail" ? exit.cause.error.message : "defect"
          }
      )
      return yield* exit
    }))
  }
)

/**
 * One flow of a batch.
 *
 * @since 0.1.0
 */
export interface BatchItem {
  readonly flow: Flow.Flow
  readonly idempotencyKey: string
}

/**
 * Run many flows, `concurrency` at a time (default 4). Each flow ends on its own: the result lists every flow's
 * outcome in input order. Flows share the `MediaOps` layer, hence its per-endpoint rate-limit budget.
 *
 * @since 0.1.0
 */
export const runBatch: (
  items: ReadonlyArray<BatchItem>,
  options?: Omit<RunOptions, "idempotencyKey"> & { readonly batchConcurrency?: number | undefined }
) => Effect.Effect<ReadonlyArray<Exit.Exit<FlowResult, RunError>>, never, RunContext> = Effect.fn("Runner.runBatch")(
  function*(
    items: ReadonlyArray<BatchItem>,
    options?: Omit<RunOptions, "idempotencyKey"> & { readonly batchConcurrency?: number | undefined }
  ) {
    return yield* Effect.forEach(
      items,
      (item) => Effect.exit(run(item.flow, { ...options, idempotencyKey: item.idempotencyKey })),
      { concurrency: options?.batchConcurrency ?? 4 }
    )
  }
)
