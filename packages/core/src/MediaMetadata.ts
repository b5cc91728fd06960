/**
 * `POST /2/media/metadata`: alt text, sensitivity warnings, geo and domain restrictions, stickers and the other
 * metadata sub-objects of an uploaded media item.
 *
 * `Metadata` validates X's documented constraints locally (alt text at most 1000 characters counted as code points,
 * exactly one non-empty geo list, 1-25 stickers, whole-second expiry, ...). The response schema
 * (`AssociatedMetadata`) is lenient, because X's own example response breaks the geo rule.
 *
 * @example
 * ```ts
 * MediaMetadata.create({ id: mediaId, metadata: { alt_text: { text: "A cat on a piano" } } })
 * ```
 *
 * @since 0.1.0
 */
import { HttpClientRequest } from "@effect/platform"
import { Effect, Schema } from "effect"
import * as Ids from "./Ids.js"
import * as Endpoint from "./internal/endpoint.js"
import type * as Retry from "./Retry.js"
import * as XError from "./XError.js"

/*
 * Sources. X's spec 2.166 (`MetadataCreateRequest` and the schemas it references: `AltText`, `GeoRestrictions`,
 * `PreviewImage`, `Sticker`, ...) is the detailed statement of the `metadata` object; 2.167
 * (`CreateMediaMetadataMetadata*`) keeps the same names and required lists but dropped formats and descriptions, and
 * flattened `audience_policy`, `geo_restrictions`, `sensitive_media_warning`, `preview_image.media_key` and the sticker
 * items to bare objects. Where the two disagree, the rule is to accept what either allows unless the research digest
 * says otherwise, and it does for every disagreement here ("Use 2.166 for field-level detail and 2.167 for current
 * names and required lists", shared/research/x-media-api.md §11.20 and §4.6). So the 2.166 detail is enforced: the
 * item enum of `audience_policy`, the geo `oneOf`, the boolean flags, the `preview_image.media_key` shape, the typed
 * sticker fields, and format "long" (an integer) on `content_expiration.timestamp_sec` and the sticker annotation ids
 * (2.167: plain `number`; neither version gives a minimum). The required lists are the same in both versions. Limits
 * that 2.166 states only in a description (found_media_origin lengths, 1-25 stickers) are enforced too. Lengths count
 * characters as JSON Schema's `maxLength` does: Unicode code points, not UTF-16 units.
 */

/** Characters as JSON Schema counts them (code points): an emoji is one character, not two UTF-16 units. */
const characters = (text: string): number => Array.from(text).length

/**
 * A string of at most `max` characters (code points, like JSON Schema's `maxLength`). `what` names the field in
 * the message, e.g. `alt text is at most 1000 characters (got 1003); shorten it`.
 */
const maxCharacters = (max: number, what: string, example = "") =>
  Schema.String.pipe(
    Schema.filter((text) => {
      const got = characters(text)
      return got <= max || `${what} is at most ${String(max)} characters${example} (got ${String(got)}); shorten it`
    }, { jsonSchema: { maxLength: max } })
  )

/** A required key whose absence says what to send. */
const required = <S extends Schema.Schema.All>(schema: S, message: string) =>
  Schema.propertySignature(schema).annotations({ missingMessage: () => message })

/** A finite JSON number (X's `double`): `NaN` and `Infinity` would reach X as `null`. */
const double = (field: string) =>
  Schema.Number.pipe(
    Schema.finite({
      message: (issue) =>
        `${field} must be a finite number (got ${String(issue.actual)}); JSON has no NaN or Infinity`
    })
  )

/**
 * An integer (X's format `long`) that a JavaScript number holds exactly (a safe integer, at most 9007199254740991
 * in magnitude): a fraction, `NaN` or a larger number would not reach X as written.
 */
const long = (field: string, example: string) =>
  Schema.Number.pipe(
    Schema.int({
      message: (issue) =>
        `${field} must be a whole number (X's format "long"), e.g. ${example}, within ±9007199254740991 so it ` +
        `reaches X exactly (got ${String(issue.actual)})`
    })
  )

/** `allow_download_status`: every key optional. @since 0.1.0 */
export const AllowDownloadStatus = Schema.Struct({ allow_download: Schema.optional(Schema.Boolean) })

/**
 * `alt_text`: `text` is required and at most 1000 characters, counted as code points like JSON Schema's `maxLength`
 * (2.166 `AltText`, 2.167 `CreateMediaMetadataMetadataAltText`; the Feb-2025 spec said `^.{0,1000}$`).
 *
 * @since 0.1.0
 */
export const AltText = Schema.Struct({
  text: required(maxCharacters(1000, "alt text"), "alt_text needs text (the description, at most 1000 characters)")
})

const Any = Schema.Literal("Any").annotations({
  message: (issue) => `an audience_policy entry can only be "Any" (got ${JSON.stringify(issue.actual)})`
})

/**
 * `audience_policy`: subscription audiences, each list item `"Any"` (2.166 `AudiencePolicy`; 2.167 has a bare
 * object, the 2.166 detail is kept as above).
 *
 * @since 0.1.0
 */
export const AudiencePolicy = Schema.Struct({
  creator_subscriptions: Schema.optional(Schema.Array(Any)),
  x_subscriptions: Schema.optional(Schema.Array(Any))
})

/**
 * `content_expiration`: `timestamp_sec`, the Unix seconds when the media expires, required. 2.166
 * `ContentExpiration` types it `number` with format `long` (an integer) and no minimum; 2.167 says only `number`.
 * The research digest follows 2.166 for field detail (§11.20), so a fraction is refused.
 *
 * @since 0.1.0
 */
export const ContentExpiration = Schema.Struct({
  timestamp_sec: required(
    long("content_expiration.timestamp_sec (Unix seconds)", "1740787200"),
    "content_expiration needs timestamp_sec (Unix seconds when the media expires, e.g. 1740787200)"
  )
})

/** `domain_restrictions`: `whitelist`, the allowed domains, required. @since 0.1.0 */
export const DomainRestrictions = Schema.Struct({
  whitelist: required(
    Schema.Array(Schema.String),
    "domain_restrictions needs whitelist (the list of allowed domains)"
  )
})

/**
 * `found_media_origin`: `provider` (<= 8 characters, e.g. `giphy`) and its `id` (<= 24 characters), both required.
 * The limits are in 2.166's `FoundMediaOrigin` descriptions (no `maxLength` keyword); counted as code points.
 *
 * @since 0.1.0
 */
export const FoundMediaOrigin = Schema.Struct({
  provider: required(
    maxCharacters(8, "found_media_origin.provider", ", e.g. \"giphy\""),
    "found_media_origin needs provider (at most 8 characters, e.g. \"giphy\")"
  ),
  id: required(
    maxCharacters(24, "found_media_origin.id"),
    "found_media_origin needs id (the media's id at the provider, at most 24 characters)"
  )
})

/** An ISO 3166-1 alpha-2 country code, two letters in either case (`^[a-zA-Z]{2}$`). @since 0.1.0 */
export const CountryCode = Schema.String.pipe(
  Schema.pattern(/^[a-zA-Z]{2}$/, {
    message: (issue) =>
      `a country code is two letters (ISO 3166-1 alpha-2), e.g. "US" (got ${JSON.stringify(issue.actual)})`
  })
)

/**
 * `geo_restrictions`: both keys are required and exactly one of the two lists is non-empty (2.166 `GeoRestrictions`,
 * a `oneOf` of `{whitelisted: minItems 1, blacklisted: maxItems 0}` and the reverse; 2.167 has a bare object, the
 * 2.166 detail is kept as above).
 *
 * @since 0.1.0
 */
export const GeoRestrictions = Schema.Struct({
  whitelisted_country_codes: required(
    Schema.Array(CountryCode),
    "geo_restrictions sends both lists: give whitelisted_country_codes ([] when you blacklist)"
  ),
  blacklisted_country_codes: required(
    Schema.Array(CountryCode),
    "geo_restrictions sends both lists: give blacklisted_country_codes ([] when you whitelist)"
  )
}).pipe(
  Schema.filter((g) => {
    const whitelist = g.whitelisted_country_codes.length > 0
    const blacklist = g.blacklisted_country_codes.length > 0
    if (whitelist && blacklist) {
      return "geo_restrictions needs exactly one non-empty list, but both have country codes: keep " +
        "whitelisted_country_codes or blacklisted_country_codes and send the other as []"
    }
    if (!whitelist && !blacklist) {
      return "geo_restrictions needs exactly one non-empty list, but both are empty: put the country codes in " +
        "whitelisted_country_codes or blacklisted_country_codes"
    }
    return true
  })
)

/** `management_info`: `managed` (by Media Studio), required. @since 0.1.0 */
export const ManagementInfo = Schema.Struct({
  managed: required(Schema.Boolean, "management_info needs managed (true when Media Studio manages the media)")
})

/**
 * `preview_image`: `media_key` is required; inside it, 2.166's `PreviewImage` requires nothing: `media` is an image
 * media id and `media_category` can only be `TweetImage`, X's default (2.167 types `media_key` as a bare object, the
 * 2.166 detail is kept as above). Neither spec requires `media`, so `{ media_key: {} }` is not refused here.
 *
 * @since 0.1.0
 */
export const PreviewImage = Schema.Struct({
  media_key: required(
    Schema.Struct({
      media: Schema.optional(Ids.MediaId),
      media_category: Schema.optional(
        Schema.Literal("TweetImage").annotations({
          default: "TweetImage",
          message: (issue) =>
            `preview_image.media_key.media_category can only be "TweetImage", X's default: leave it out ` +
            `(got ${JSON.stringify(issue.actual)})`
        })
      )
    }),
    "preview_image needs media_key, e.g. { media: \"<image media id>\" }"
  )
})

/** `sensitive_media_warning`: every flag optional. @since 0.1.0 */
export const SensitiveMediaWarning = Schema.Struct({
  adult_content: Schema.optional(Schema.Boolean),
  graphic_violence: Schema.optional(Schema.Boolean),
  other: Schema.optional(Schema.Boolean)
})

/** `shared_info`: `shared` (in direct messages), required. @since 0.1.0 */
export const SharedInfo = Schema.Struct({
  shared: required(Schema.Boolean, "shared_info needs shared (true when the media is shared in direct messages)")
})

/**
 * One sticker, every key optional (2.166 `Sticker`): `aspect_ratio` and the transforms are finite numbers (format
 * `double`), the two annotation ids whole numbers (format `long`). 2.167 types the items as bare objects; the 2.166
 * detail is kept as above.
 *
 * @since 0.1.0
 */
export const Sticker = Schema.Struct({
  id: Schema.optional(Schema.String),
  aspect_ratio: Schema.optional(double("aspect_ratio")),
  group_annotation_id: Schema.optional(long("group_annotation_id", "987654321098765")),
  sticker_set_annotation_id: Schema.optional(long("sticker_set_annotation_id", "123456789012345")),
  transform_a: Schema.optional(double("transform_a")),
  transform_b: Schema.optional(double("transform_b")),
  transform_c: Schema.optional(double("transform_c")),
  transform_d: Schema.optional(double("transform_d")),
  transform_tx: Schema.optional(double("transform_tx")),
  transform_ty: Schema.optional(double("transform_ty"))
})

/**
 * `sticker_info`: `stickers`, required, 1 to 25 of them (2.166 `StickerInfo`: "Stickers list must not be empty and
 * should not exceed 25").
 *
 * @since 0.1.0
 */
export const StickerInfo = Schema.Struct({
  stickers: required(
    Schema.Array(Sticker).pipe(
      Schema.minItems(1, { message: () => "sticker_info.stickers must not be empty (1 to 25 stickers)" }),
      Schema.maxItems(25, {
        message: (issue) =>
          `sticker_info.stickers takes at most 25 stickers (got ${
            String(Array.isArray(issue.actual) ? issue.actual.length : "more")
          }); remove some`
      })
    ),
    "sticker_info needs stickers (1 to 25 stickers)"
  )
})

/** `upload_source`: `upload_source`, e.g. `gallery`, required. @since 0.1.0 */
export const UploadSource = Schema.Struct({
  upload_source: required(
    Schema.String,
    "upload_source needs upload_source (where the media came from, e.g. \"gallery\")"
  )
})

/**
 * The whole `metadata` object, every sub-object optional, with X's constraints.
 *
 * @since 0.1.0
 */
export const Metadata = Schema.Struct({
  allow_download_status: Schema.optional(AllowDownloadStatus),
  alt_text: Schema.optional(AltText),
  audience_policy: Schema.optional(AudiencePolicy),
  content_expiration: Schema.optional(ContentExpiration),
  domain_restrictions: Schema.optional(DomainRestrictions),
  found_media_origin: Schema.optional(FoundMediaOrigin),
  geo_restrictions: Schema.optional(GeoRestrictions),
  management_info: Schema.optional(ManagementInfo),
  preview_image: Schema.optional(PreviewImage),
  sensitive_media_warning: Schema.optional(SensitiveMediaWarning),
  shared_info: Schema.optional(SharedInfo),
  sticker_info: Schema.optional(StickerInfo),
  upload_source: Schema.optional(UploadSource)
})
/** @since 0.1.0 */
export type Metadata = typeof Metadata.Type

/** A number X may echo as a string (2.167 left the sticker items untyped; ids are often strings in X's JSON). */
const NumberEcho = Schema.Union(Schema.Number, Schema.String)

/** A sticker as X echoes it: the request's keys without the request's number checks. */
const StickerEcho = Schema.Struct({
  id: Schema.optional(NumberEcho),
  aspect_ratio: Schema.optional(NumberEcho),
  group_annotation_id: Schema.optional(NumberEcho),
  sticker_set_annotation_id: Schema.optional(NumberEcho),
  transform_a: Schema.optional(NumberEcho),
  transform_b: Schema.optional(NumberEcho),
  transform_c: Schema.optional(NumberEcho),
  transform_d: Schema.optional(NumberEcho),
  transform_tx: Schema.optional(NumberEcho),
  transform_ty: Schema.optional(NumberEcho)
})

/** Anything else X may send in an echoed sub-object's place: read as absent. */
const Unrecognised = Schema.transform(Schema.Unknown, Schema.Undefined, {
  strict: true,
  decode: () => undefined,
  encode: () => undefined
})

/**
 * One echoed sub-object: decoded when it has the shape 2.166 documents, read as absent when X sends another (2.167
 * left several untyped: research §11.20). The write X accepted never fails over the shape of its echo.
 */
const echo = <A, I>(schema: Schema.Schema<A, I>) => Schema.optional(Schema.Union(schema, Unrecognised))

/**
 * The metadata X echoes back (`associated_metadata`): same keys, no constraints (X's own example sets both geo
 * lists). A sub-object whose shape is not the documented one reads as absent rather than failing the call.
 *
 * @since 0.1.0
 */
export const AssociatedMetadata = Schema.Struct({
  allow_download_status: echo(AllowDownloadStatus),
  alt_text: echo(Schema.Struct({ text: Schema.optional(Schema.String) })),
  audience_policy: echo(
    Schema.Struct({
      creator_subscriptions: Schema.optional(Schema.Array(Schema.String)),
      x_subscriptions: Schema.optional(Schema.Array(Schema.String))
    })
  ),
  content_expiration: echo(Schema.Struct({ timestamp_sec: Schema.optional(NumberEcho) })),
  domain_restrictions: echo(Schema.Struct({ whitelist: Schema.optional(Schema.Array(Schema.String)) })),
  found_media_origin: echo(
    Schema.Struct({ provider: Schema.optional(Schema.String), id: Schema.optional(Schema.String) })
  ),
  geo_restrictions: echo(
    Schema.Struct({
      whitelisted_country_codes: Schema.optional(Schema.Array(Schema.String)),
      blacklisted_country_codes: Schema.optional(Schema.Array(Schema.String))
    })
  ),
  management_info: echo(Schema.Struct({ managed: Schema.optional(Schema.Boolean) })),
  preview_image: echo(Schema.Struct({ media_key: Schema.optional(Schema.Unknown) })),
  sensitive_media_warning: echo(SensitiveMediaWarning),
  shared_info: echo(Schema.Struct({ shared: Schema.optional(Schema.Boolean) })),
  sticker_info: echo(Schema.Struct({ stickers: Schema.optional(Schema.Array(StickerEcho)) })),
  upload_source: echo(Schema.Struct({ upload_source: Schema.optional(Schema.String) }))
})
/** @since 0.1.0 */
export type AssociatedMetadata = typeof AssociatedMetadata.Type

/**
 * Body of `POST /2/media/metadata`.
 *
 * @since 0.1.0
 */
export const CreateRequest = Schema.Struct({
  id: Ids.MediaId,
  metadata: Schema.optional(Metadata)
})
/** @since 0.1.0 */
export type CreateRequest = typeof CreateRequest.Type

/**
 * Response of `POST /2/media/metadata`.
 *
 * @since 0.1.0
 */
export const CreateResponse = Schema.Struct({
  data: Schema.Struct({
    id: Ids.MediaId,
    associated_metadata: Schema.optional(AssociatedMetadata)
  }),
  errors: Schema.optional(Schema.Array(XError.Problem))
})
/** @since 0.1.0 */
export type CreateResponse = typeof CreateResponse.Type

/**
 * `POST /2/media/metadata`: sets metadata on a media item. Input is validated first (`XError.InvalidInput`, no
 * network call). Retried on transient failures and rate limits (setting metadata twice is harmless).
 *
 * @since 0.1.0
 */
export const create: (
  request: typeof CreateRequest.Encoded,
  options?: { readonly retry?: Retry.Policy | undefined }
) => Effect.Effect<CreateResponse, XError.RequestError, Endpoint.XClientTag> = Effect.fn("MediaMetadata.create")(
  function*(request: typeof CreateRequest.Encoded, options?: { readonly retry?: Retry.Policy | undefined }) {
    const valid = yield* Endpoint.validate("MediaMetadata.create", CreateRequest, request)
    return yield* Endpoint.execute({
      name: "MediaMetadata.create",
      method: "POST",
      route: "/2/media/metadata",
      userContext: true,
      mediaId: valid.id,
      success: CreateResponse,
      request: HttpClientRequest.post("/2/media/metadata").pipe(HttpClientRequest.bodyUnsafeJson(valid)),
      retry: options?.retry
    })
  }
)
