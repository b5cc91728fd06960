/**
 * Typed progress events of running flows, and the `FlowEvents` hub they are published on.
 *
 * Every event carries the flow's idempotency `key` (and `step` where it applies), so one hub serves a whole batch.
 * Events are informational: a step replayed from the journal emits its `StepStarted`/`StepFinished` again.
 *
 * @since 0.1.0
 */
import { Context, Effect, FiberRef, Layer, PubSub, Queue, type Scope } from "effect"

/**
 * A flow progress event.
 *
 * - `FlowStarted` (`run` = 1 for the first run, 2+ for a re-run that continues a failed one)
 * - `StepStarted` / `StepFinished` (`reused: true` when a re-run took the output of an earlier run) / `StepFailed`
 * - `Bytes`: bytes of a file acknowledged by X so far
 * - `Processing`: X's processing state and percent of a media item
 * - `Waiting`: a pause and its reason (`rate-limit` of an endpoint, `processing` poll interval, `retry` backoff)
 * - `Retrying`: an operation is retried after a retryable failure
 * - `FlowFinished` / `FlowFailed`
 *
 * @since 0.1.0
 */
export type FlowEvent =
  | { readonly _tag: "FlowStarted"; readonly key: string; readonly flow: string; readonly run: number }
  | { readonly _tag: "StepStarted"; readonly key: string; readonly step: string; readonly kind: string }
  | {
    readonly _tag: "StepFinished"
    readonly key: string
    readonly step: string
    readonly kind: string
    readonly reused: boolean
  }
  | {
    readonly _tag: "StepFailed"
    readonly key: string
    readonly step: string
    readonly kind: string
    readonly message: string
  }
  | {
    readonly _tag: "Bytes"
    readonly key: string
    readonly step: string
    readonly sent: number
    readonly total: number
  }
  | {
    readonly _tag: "Processing"
    readonly key: string
    readonly step: string
    readonly state: string
    readonly percent: number | undefined
  }
  | {
    readonly _tag: "Waiting"
    readonly key: string
    readonly step: string
    readonly reason: "rate-limit" | "processing" | "retry"
    readonly millis: number
    readonly endpoint: string | undefined
  }
  | {
    readonly _tag: "Retrying"
    readonly key: string
    readonly step: string
    readonly attempt: number
    readonly reason: string
  }
  | { readonly _tag: "FlowFinished"; readonly key: string; readonly flow: string }
  | { readonly _tag: "FlowFailed"; readonly key: string; readonly flow: string; readonly message: string }

/**
 * Where the current code runs: which flow and step (set by the engine around every step, read by `MediaOps`
 * layers to attribute rate-limit waits).
 *
 * @since 0.1.0
 */
export const CurrentStep: FiberRef.FiberRef<{ readonly key: string; readonly step: string } | undefined> = FiberRef
  .unsafeMake<{ readonly key: string; readonly step: string } | undefined>(undefined)

/**
 * The event hub.
 *
 * @since 0.1.0
 */
export class FlowEvents extends Context.Tag("@xmedia/workflows/FlowEvents")<FlowEvents, {
  readonly publish: (event: FlowEvent) => Effect.Effect<void>
  readonly subscribe: Effect.Effect<Queue.Dequeue<FlowEvent>, never, Scope.Scope>
}>() {}

/**
 * An unbounded in-process hub.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<FlowEvents> = Layer.effect(
  FlowEvents,
  Effect.map(PubSub.unbounded<FlowEvent>(), (hub) => ({
    publish: (event) => Effect.asVoid(PubSub.publish(hub, event)),
    subscribe: PubSub.subscribe(hub)
  }))
)

/**
 * Publish an event on the hub, if there is one.
 *
 * @since 0.1.0
 */
export const publish = (event: FlowEvent): Effect.Effect<void> =>
  Effect.serviceOption(FlowEvents).pipe(
    Effect.flatMap((hub) => hub._tag === "Some" ? hub.value.publish(event) : Effect.void)
  )

/**
 * Publish a `Waiting` event attributed to the current step (see `CurrentStep`); does nothing outside a step.
 *
 * @since 0.1.0
 */
export const waiting = (
  reason: "rate-limit" | "processing" | "retry",
  millis: number,
  endpoint?: string
): Effect.Effect<void> =>
  Effect.flatMap(FiberRef.get(CurrentStep), (at) =>
    at === undefined ? Effect.void : publish({
      _tag: "Waiting",
      key: at.key,
      step: at.step,
      reason,
      millis,
      endpoint
    }))
