/**
 * Wire schemas of the admin API under `/_emulator/` (shared by the routes and the typed `AdminClient`). The same
 * shapes are described in `packages/emulator/spec/emulator-admin.openapi.json`.
 *
 * @internal
 */
import { Ids } from "@xmedia/core"
import { Schema } from "effect"
import { FaultRule, RuleView } from "../faults.js"

/** `GET /_emulator/health`. @internal */
export const Health = Schema.Struct({
  status: Schema.Literal("ok"),
  version: Schema.String,
  /** Epoch ms the answer was made (the server clock). */
  now: Schema.Number,
  media: Schema.Int,
  posts: Schema.Int,
  faults: Schema.Int
})
/** @internal */
export type Health = typeof Health.Type

/** How processing advances (`immediate`, after `seconds`, or after `polls` STATUS calls). @internal */
export const ProcessingMode = Schema.Union(
  Schema.TaggedStruct("immediate", {}),
  Schema.TaggedStruct("seconds", { seconds: Schema.Number.pipe(Schema.nonNegative()) }),
  Schema.TaggedStruct("polls", { polls: Schema.Int.pipe(Schema.nonNegative()) })
)
/** @internal */
export type ProcessingMode = typeof ProcessingMode.Type

/** `processing_info.error`. @internal */
export const ProcessingError = Schema.Struct({ code: Schema.Int, name: Schema.String, message: Schema.String })

/** One processing state change. @internal */
export const ProcessingEvent = Schema.Struct({
  state: Schema.Literal("pending", "in_progress", "succeeded", "failed"),
  at: Schema.Number,
  progress_percent: Schema.optional(Schema.Number)
})

/** A media item as the admin API shows it (never its bytes). @internal */
export const MediaView = Schema.Struct({
  id: Schema.String,
  mediaKey: Schema.String,
  ownerId: Schema.String,
  additionalOwners: Schema.Array(Schema.String),
  category: Schema.String,
  mediaType: Schema.String,
  source: Schema.String,
  shared: Schema.Boolean,
  totalBytes: Schema.Number,
  bytesReceived: Schema.Number,
  /** Received segments: index -> byte length. */
  segments: Schema.Record({ key: Schema.String, value: Schema.Number }),
  createdAt: Schema.Number,
  expiresAt: Schema.Number,
  expired: Schema.Boolean,
  finalized: Schema.Boolean,
  finalizedAt: Schema.optional(Schema.Number),
  /** sha256 (hex) of the assembled file. */
  sha256: Schema.optional(Schema.String),
  size: Schema.optional(Schema.Number),
  probe: Schema.optional(Schema.Struct({
    kind: Schema.String,
    width: Schema.optional(Schema.Number),
    height: Schema.optional(Schema.Number),
    durationMs: Schema.optional(Schema.Number),
    detectedType: Schema.optional(Schema.String)
  })),
  processing: Schema.optional(Schema.Struct({
    mode: ProcessingMode,
    outcome: Schema.Union(
      Schema.Struct({ state: Schema.Literal("succeeded") }),
      Schema.Struct({
        state: Schema.Literal("failed"),
        error: ProcessingError,
        /** `in_progress`: the failure is reported as `state: "in_progress"` with the error (a `processingFailure` fault). */
        reportedAs: Schema.optional(Schema.Literal("in_progress"))
      })
    ),
    startedAt: Schema.Number,
    polls: Schema.Number,
    /** `processing_info` of this media never carries `check_after_secs` (an `omitCheckAfterSecs` fault). */
    omitCheckAfterSecs: Schema.optional(Schema.Boolean),
    history: Schema.Array(ProcessingEvent)
  })),
  metadata: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  subtitles: Schema.Array(Schema.Struct({ id: Schema.String, language_code: Schema.String, display_name: Schema.String }))
})
/** @internal */
export type MediaView = typeof MediaView.Type

/** `GET /_emulator/media`. @internal */
export const MediaList = Schema.Struct({ media: Schema.Array(MediaView) })

/** A post as the admin API shows it. @internal */
export const PostView = Schema.Struct({
  id: Schema.String,
  authorId: Schema.String,
  text: Schema.String,
  mediaIds: Schema.Array(Schema.String),
  mediaKeys: Schema.Array(Schema.String),
  createdAt: Schema.Number,
  deleted: Schema.Boolean
})
/** @internal */
export type PostView = typeof PostView.Type

/** `GET /_emulator/posts`. @internal */
export const PostList = Schema.Struct({ posts: Schema.Array(PostView) })

/** One journal entry: never bytes or secrets. @internal */
export const JournalEntry = Schema.Struct({
  seq: Schema.Int,
  at: Schema.Number,
  method: Schema.String,
  path: Schema.String,
  route: Schema.String,
  operation: Schema.String,
  api: Schema.String,
  authKind: Schema.String,
  userId: Schema.optional(Schema.String),
  mediaId: Schema.optional(Schema.String),
  status: Schema.Int,
  durationMs: Schema.Number,
  fault: Schema.optional(Schema.String),
  bodySha256: Schema.optional(Schema.String)
})
/** @internal */
export type JournalEntry = typeof JournalEntry.Type

/** `GET /_emulator/requests`. @internal */
export const RequestList = Schema.Struct({ requests: Schema.Array(JournalEntry) })

/** `GET /_emulator/faults` and the answer of `POST /_emulator/faults`. @internal */
export const FaultList = Schema.Struct({ seed: Schema.Number, rules: Schema.Array(RuleView) })
/** @internal */
export type FaultList = typeof FaultList.Type

/** `POST /_emulator/faults`: rules to append (in order) and optionally a new PRNG seed. @internal */
export const AddFaults = Schema.Struct({
  rules: Schema.Array(FaultRule),
  seed: Schema.optional(Schema.Int)
})
/** @internal */
export type AddFaults = typeof AddFaults.Type

/** `POST /_emulator/processing`: set the mode for a category, one media id, or the default. @internal */
export const SetProcessing = Schema.Struct({
  category: Schema.optional(Ids.MediaCategory),
  mediaId: Schema.optional(Schema.String),
  mode: ProcessingMode
})
/** @internal */
export type SetProcessing = typeof SetProcessing.Type

/** A plain acknowledgement. @internal */
export const Ack = Schema.Struct({ ok: Schema.Literal(true) })

/** An admin error (problem+json). @internal */
export const AdminProblem = Schema.Struct({
  title: Schema.String,
  detail: Schema.String,
  status: Schema.Int,
  type: Schema.String
})
