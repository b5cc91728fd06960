/**
 * Request Schemas for form fields (url-encoded or multipart text fields, and query parameters), built from core's
 * request Schemas: a form field is always text, so each schema here decodes the text and then applies core's rule
 * for the field (`MediaUpload.InitializeRequest`, `MediaUpload.AppendRequest`, `MediaV1.InitializeRequest`,
 * `MediaV1.UploadRequest`). Used by the deprecated v2 command form and by v1.1 `media/upload.json`; the surfaces
 * turn a decode failure into their own error bodies (`decodeV2`, `decodeV1`).
 *
 * @internal
 */
import { MediaUpload, MediaV1 } from "@xmedia/core"
import { Schema } from "effect"

/** Decimal digits only: what a form carries for a whole number. */
const Digits = Schema.String.pipe(
  Schema.pattern(/^[0-9]+$/, { message: () => "must be a whole number written in decimal digits" })
)

/**
 * A number written as decimal digits in a form field, then checked by `rule` (core's rule for the field).
 *
 * @internal
 */
export const numberText = <A, R>(rule: Schema.Schema<A, number, R>): Schema.Schema<A, string, R> =>
  Schema.compose(Schema.transform(Digits, Schema.Number, { strict: true, decode: Number, encode: String }), rule)

/**
 * Splits a comma-separated list: blanks around commas are trimmed, empty items dropped. The one splitter for form
 * fields (`additional_owners`, v1.1 `media_ids`) and v2 query lists.
 *
 * @internal
 */
export const splitCommas = (s: string): ReadonlyArray<string> => s.split(",").map((x) => x.trim()).filter((x) => x !== "")

/**
 * A comma-separated list of user ids (v1.1 and the command form send `additional_owners` that way), decoded to a list
 * and checked by `rule` (core's owners rule: each a user id, at most 100). Blanks around commas are ignored.
 *
 * @internal
 */
export const listText = <A, R>(rule: Schema.Schema<A, ReadonlyArray<string>, R>): Schema.Schema<A, string, R> =>
  Schema.compose(
    Schema.transform(Schema.String, Schema.Array(Schema.String), {
      strict: true,
      decode: splitCommas,
      encode: (ids) => ids.join(",")
    }),
    rule
  )

/**
 * A boolean form field: `true` is true, anything else false (never refused: the emulator always took any value
 * here and no X source says which spellings X refuses). Decodes to core's `Schema.Boolean`.
 *
 * @internal
 */
export const BooleanText: Schema.Schema<boolean, string> = Schema.transform(Schema.String, Schema.Boolean, {
  strict: true,
  decode: (s) => s === "true",
  encode: (b) => (b ? "true" : "false")
})

/**
 * `segment_index` of a multipart APPEND (v2 dedicated route, v2 command form, v1.1): digits, then core's rule
 * (`MediaUpload.AppendRequest`: an integer from 0 to 999). The one rule for every text `segment_index`.
 *
 * @internal
 */
export const SegmentIndexText = numberText(MediaUpload.AppendRequest.fields.segment_index)

/** The `segment_index` field alone, as a struct (for decoding it out of a form). @internal */
export const SegmentIndexFields = Schema.Struct({ segment_index: SegmentIndexText })

/**
 * INIT of the deprecated v2 command form (`POST /2/media/upload?command=INIT`, query or form fields): core's
 * `MediaUpload.InitializeRequest`, field by field, read from text (`total_bytes` digits, `additional_owners`
 * comma-separated as X's 2.167 parameter list describes it, `shared` as text).
 *
 * @internal
 */
export const V2CommandInit = Schema.Struct({
  media_type: MediaUpload.InitializeRequest.fields.media_type,
  total_bytes: numberText(MediaUpload.InitializeRequest.fields.total_bytes),
  media_category: Schema.optional(MediaUpload.InitializeRequest.fields.media_category.from),
  additional_owners: Schema.optional(listText(MediaUpload.InitializeRequest.fields.additional_owners.from)),
  shared: Schema.optional(BooleanText)
})

/**
 * v1.1 INIT (`/1.1/media/upload.json`, `command=INIT`): core's `MediaV1.InitializeRequest` read from text, with two
 * documented exceptions where X's v1.1 is looser than core's client: `media_type` is any non-empty MIME type (v1.1
 * predates v2's enum; the bytes are checked at FINALIZE) and `media_category` is text (v1.1 clients send PascalCase
 * spellings such as `TweetVideo`; the upload parses it). `total_bytes` follows X's 0..16 GiB (2.167 spec) where
 * core's client asks for at least 1 byte.
 *
 * @internal
 */
export const V1Init = Schema.Struct({
  total_bytes: numberText(MediaUpload.InitializeRequest.fields.total_bytes),
  media_type: Schema.String,
  media_category: Schema.optional(Schema.String),
  additional_owners: Schema.optional(listText(MediaV1.InitializeRequest.fields.additional_owners.from)),
  shared: Schema.optional(BooleanText)
})

/**
 * Text fields of the v1.1 simple upload (no `command`): `media_category` as text (as in {@link V1Init}) and core's
 * `MediaV1.UploadRequest` owners rule, comma-separated.
 *
 * @internal
 */
export const V1UploadFields = Schema.Struct({
  media_category: Schema.optional(Schema.String),
  additional_owners: Schema.optional(listText(MediaV1.UploadRequest.fields.additional_owners.from)),
  shared: Schema.optional(BooleanText)
})

/**
 * The fields of a form with empty values left out: an empty field counts as a missing one (what the emulator always
 * did: `media_type=` is "media_type parameter is missing.").
 *
 * @internal
 */
export const present = (fields: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== ""))
