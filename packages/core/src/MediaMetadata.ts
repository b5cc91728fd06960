/**
 * `POST /2/media/metadata`: alt text, sensitivity warnings, geo and domain restrictions, stickers and the other
 * metadata sub-objects of an uploaded media item.
 *
 * `Metadata` validates X's documented constraints locally (alt text at most 1000 characters, exactly one
 * non-empty geo list, 1-25 stickers, ...). The response schema (`AssociatedMetadata`) is lenient, because X's own
 * example response breaks the geo rule.
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

/** `allow_download_status`. @since 0.1.0 */
export const AllowDownloadStatus = Schema.Struct({ allow_download: Schema.optional(Schema.Boolean) })

/** `alt_text`: at most 1000 characters. @since 0.1.0 */
export const AltText = Schema.Struct({
  text: Schema.String.pipe(
    Schema.maxLength(1000, {
      message: (issue) =>
        `alt text is at most 1000 characters (got ${String((issue.actual as string).length)}); shorten it`
    })
  )
})

/** `audience_policy`: subscription audiences (X only knows `Any`). @since 0.1.0 */
export const AudiencePolicy = Schema.Struct({
  creator_subscriptions: Schema.optional(Schema.Array(Schema.Literal("Any"))),
  x_subscriptions: Schema.optional(Schema.Array(Schema.Literal("Any")))
})

/** `content_expiration`: Unix seconds when the media expires. @since 0.1.0 */
export const ContentExpiration = Schema.Struct({ timestamp_sec: Schema.Number })

/** `domain_restrictions`: allowed domains. @since 0.1.0 */
export const DomainRestrictions = Schema.Struct({ whitelist: Schema.Array(Schema.String) })

/** `found_media_origin`: provider (<= 8 chars, e.g. `giphy`) and its id (<= 24 chars). @since 0.1.0 */
export const FoundMediaOrigin = Schema.Struct({
  provider: Schema.String.pipe(
    Schema.maxLength(8, { message: () => "found_media_origin.provider is at most 8 characters (e.g. \"giphy\")" })
  ),
  id: Schema.String.pipe(Schema.maxLength(24, { message: () => "found_media_origin.id is at most 24 characters" }))
})

/** An ISO 3166-1 alpha-2 country code (either case). @since 0.1.0 */
export const CountryCode = Schema.String.pipe(
  Schema.pattern(/^[a-zA-Z]{2}$/, { message: () => "a country code is two letters (ISO 3166-1 alpha-2), e.g. \"US\"" })
)

const GeoLists = Schema.Struct({
  whitelisted_country_codes: Schema.Array(CountryCode),
  blacklisted_country_codes: Schema.Array(CountryCode)
})

/**
 * `geo_restrictions`: exactly one of the two lists is non-empty (X's `oneOf`); both keys are sent.
 *
 * @since 0.1.0
 */
export const GeoRestrictions = GeoLists.pipe(
  Schema.filter(
    (g) => (g.whitelisted_country_codes.length > 0) !== (g.blacklisted_country_codes.length > 0),
    {
      message: () =>
        "geo_restrictions needs exactly one non-empty list: whitelisted_country_codes or blacklisted_country_codes (the other empty)"
    }
  )
)

/** `management_info`. @since 0.1.0 */
export const ManagementInfo = Schema.Struct({ managed: Schema.Boolean })

/** `preview_image`: an image media id to show as the preview. @since 0.1.0 */
export const PreviewImage = Schema.Struct({
  media_key: Schema.Struct({
    media: Ids.MediaId,
    media_category: Schema.Literal("TweetImage")
  })
})

/** `sensitive_media_warning`. @since 0.1.0 */
export const SensitiveMediaWarning = Schema.Struct({
  adult_content: Schema.optional(Schema.Boolean),
  graphic_violence: Schema.optional(Schema.Boolean),
  other: Schema.optional(Schema.Boolean)
})

/** `shared_info`: whether the media is shared in direct messages. @since 0.1.0 */
export const SharedInfo = Schema.Struct({ shared: Schema.Boolean })

/** One sticker. @since 0.1.0 */
export const Sticker = Schema.Struct({
  id: Schema.optional(Schema.String),
  aspect_ratio: Schema.optional(Schema.Number),
  group_annotation_id: Schema.optional(Schema.Number),
  sticker_set_annotation_id: Schema.optional(Schema.Number),
  transform_a: Schema.optional(Schema.Number),
  transform_b: Schema.optional(Schema.Number),
  transform_c: Schema.optional(Schema.Number),
  transform_d: Schema.optional(Schema.Number),
  transform_tx: Schema.optional(Schema.Number),
  transform_ty: Schema.optional(Schema.Number)
})

/** `sticker_info`: 1 to 25 stickers. @since 0.1.0 */
export const StickerInfo = Schema.Struct({
  stickers: Schema.Array(Sticker).pipe(
    Schema.minItems(1, { message: () => "sticker_info.stickers must not be empty (1 to 25 stickers)" }),
    Schema.maxItems(25, { message: () => "sticker_info.stickers takes at most 25 stickers" })
  )
})

/** `upload_source`, e.g. `gallery`. @since 0.1.0 */
export const UploadSource = Schema.Struct({ upload_source: Schema.String })

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

/**
 * The metadata X echoes back (`associated_metadata`): same keys, no constraints (X's own example sets both geo
 * lists).
 *
 * @since 0.1.0
 */
export const AssociatedMetadata = Schema.Struct({
  allow_download_status: Schema.optional(AllowDownloadStatus),
  alt_text: Schema.optional(Schema.Struct({ text: Schema.optional(Schema.String) })),
  audience_policy: Schema.optional(AudiencePolicy),
  content_expiration: Schema.optional(Schema.Struct({ timestamp_sec: Schema.optional(Schema.Number) })),
  domain_restrictions: Schema.optional(Schema.Struct({ whitelist: Schema.optional(Schema.Array(Schema.String)) })),
  found_media_origin: Schema.optional(
    Schema.Struct({ provider: Schema.optional(Schema.String), id: Schema.optional(Schema.String) })
  ),
  geo_restrictions: Schema.optional(Schema.partial(GeoLists)),
  management_info: Schema.optional(Schema.Struct({ managed: Schema.optional(Schema.Boolean) })),
  preview_image: Schema.optional(Schema.Struct({ media_key: Schema.optional(Schema.Unknown) })),
  sensitive_media_warning: Schema.optional(SensitiveMediaWarning),
  shared_info: Schema.optional(Schema.Struct({ shared: Schema.optional(Schema.Boolean) })),
  sticker_info: Schema.optional(Schema.Struct({ stickers: Schema.optional(Schema.Array(Sticker)) })),
  upload_source: Schema.optional(Schema.Struct({ upload_source: Schema.optional(Schema.String) }))
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
