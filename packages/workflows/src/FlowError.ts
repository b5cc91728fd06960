/**
 * The typed ways a flow run can end without success.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { StepOutput } from "./Flow.js"

/**
 * The size and SHA-256 of a file when the flow started; the engine fails fast when it changes.
 *
 * @since 0.1.0
 */
export const Fingerprint = Schema.Struct({ size: Schema.Number, sha256: Schema.String })
/** @since 0.1.0 */
export type Fingerprint = typeof Fingerprint.Type

/**
 * Something a failed flow left on X.
 *
 * @since 0.1.0
 */
export const Existing = Schema.Struct({
  media: Schema.Array(Schema.Struct({
    step: Schema.String,
    mediaId: Schema.String,
    mediaKey: Schema.String,
    category: Schema.String
  })),
  posts: Schema.Array(Schema.Struct({ step: Schema.String, postId: Schema.String }))
})
/** @since 0.1.0 */
export type Existing = typeof Existing.Type

/**
 * A step failed. Names the step, the cause, what already exists on X, and what a re-run with the same idempotency
 * key will do (it reuses `completed` and redoes the rest).
 *
 * @since 0.1.0
 */
export class FlowFailed extends Schema.TaggedError<FlowFailed>()("FlowFailed", {
  flow: Schema.String,
  key: Schema.String,
  run: Schema.Number,
  step: Schema.String,
  stepKind: Schema.String,
  /** the tag of the underlying error: `OpError`, `FileChanged`, ... */
  cause: Schema.String,
  /** `OpError.reason` when the cause is an `OpError` */
  reason: Schema.optional(Schema.String),
  detail: Schema.String,
  existing: Existing,
  completed: Schema.Record({ key: Schema.String, value: StepOutput }),
  files: Schema.Record({ key: Schema.String, value: Fingerprint }),
  rerun: Schema.String
}) {
  /** @since 0.1.0 */
  override get message(): string {
    const media = this.existing.media.map((m) => `media ${m.mediaId} (${m.step})`)
    const posts = this.existing.posts.map((p) => `post ${p.postId}`)
    const onX = [...posts, ...media]
    return `Flow "${this.flow}" (key ${this.key}) failed at step "${this.step}" (${this.stepKind}): ${this.detail}. ` +
      `Already on X: ${onX.length === 0 ? "nothing" : onX.join(", ")}. ${this.rerun}`
  }
}

/**
 * The flow value is not valid; nothing was run. Each problem names a field and what to fix.
 *
 * @since 0.1.0
 */
export class FlowInvalid extends Schema.TaggedError<FlowInvalid>()("FlowInvalid", {
  flow: Schema.String,
  problems: Schema.Array(Schema.Struct({ field: Schema.String, message: Schema.String }))
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `Flow "${this.flow}" is not valid: ` + this.problems.map((p) => `${p.field}: ${p.message}`).join("; ")
  }
}

/**
 * A file of the flow cannot be used (missing, unreadable or empty); nothing was run.
 *
 * @since 0.1.0
 */
export class FlowFileError extends Schema.TaggedError<FlowFileError>()("FlowFileError", {
  path: Schema.String,
  detail: Schema.String
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${this.path}: ${this.detail}`
  }
}

/**
 * A file changed since the flow started (its size or SHA-256 differs). Raised inside a run; reported as a
 * `FlowFailed` whose `cause` is `"FileChanged"`.
 *
 * @since 0.1.0
 */
export class FileChanged extends Schema.TaggedError<FileChanged>()("FileChanged", {
  path: Schema.String,
  expected: Fingerprint,
  actual: Schema.optional(Fingerprint)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return this.actual === undefined
      ? `${this.path} is gone; it was ${this.expected.size} bytes when the flow started. Restore it, or run the ` +
        `flow again with a new idempotency key`
      : `${this.path} changed since the flow started (${this.expected.size} -> ${this.actual.size} bytes, sha256 ` +
        `${this.expected.sha256.slice(0, 12)} -> ${this.actual.sha256.slice(0, 12)}). Restore it, or run the flow ` +
        `again with a new idempotency key`
  }
}

/**
 * Everything `Runner.run` can fail with.
 *
 * @since 0.1.0
 */
export type RunError = FlowFailed | FlowInvalid | FlowFileError
