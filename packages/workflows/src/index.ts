/**
 * @xmedia/workflows: declarative, durable subtitle flows for X's media API on `@effect/workflow`.
 *
 * @since 0.1.0
 */

/** The flow DSL: typed steps, typed references, seed flows, validation and the plan printer. @since 0.1.0 */
export * as Flow from "./Flow.js"

/** Typed failures of a flow run. @since 0.1.0 */
export * as FlowError from "./FlowError.js"

/** Typed progress events and their hub. @since 0.1.0 */
export * as FlowEvent from "./FlowEvent.js"

/** The port between steps and X, with an in-memory fake. @since 0.1.0 */
export * as MediaOps from "./MediaOps.js"

/** Workflow engines as Layers: in-memory and SQLite (SingleRunner). @since 0.1.0 */
export * as Engine from "./Engine.js"

/** Run one flow or a batch on an engine. @since 0.1.0 */
export * as Runner from "./Runner.js"

/** `MediaOps` on `@xmedia/core`, with one shared rate-limit budget per endpoint. @since 0.1.0 */
export * as MediaOpsLive from "./MediaOpsLive.js"

/** Flow files (JSON or YAML) for scripted use, decoded with Schema. @since 0.1.0 */
export * as FlowFile from "./FlowFile.js"
