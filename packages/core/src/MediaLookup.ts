/**
 * `GET /2/media/{media_key}` and `GET /2/media?media_keys=...`: look up media objects by key. These accept an
 * app-only bearer token.
 *
 * @since 0.1.0
 */
import { HttpClientRequest } from "@effect/platform"
import { Effect, Schema } from "effect"
import * as Ids from "./Ids.js"
import * as Endpoint from "./internal/endpoint.js"
import type * as Retry from "./Retry.js"
import * as XError from "./XError.js"

/**
 * A `media.fields` value.
 *
 * @since 0.1.0
 */
export const MediaField = Schema.Literal(
  "alt_text",
  "duration_ms",
  "height",
  "media_key",
  "non_public_metrics",
  "organic_metrics",
  "preview_image_url",
  "promoted_metrics",
  "public_metrics",
  "type",
  "url",
  "variants",
  "width"
)
/** @since 0.1.0 */
export type MediaField = typeof MediaField.Type

/**
 * One playback variant of a video or GIF.
 *
 * @since 0.1.0
 */
export const Variant = Schema.Struct({
  bit_rate: Schema.optional(Schema.Number),
  content_type: Schema.optional(Schema.String),
  url: Schema.optional(Schema.String)
})

/**
 * A media object (`type` is `photo`, `video` or `animated_gif`; other strings are tolerated). Every field is
 * optional, as in X's 2.167 schema (2.166 requires only `type`); `media_key` is one of the default fields.
 *
 * @since 0.1.0
 */
export const Media = Schema.Struct({
  media_key: Schema.optional(Ids.MediaKey),
  type: Schema.optional(Schema.String),
  url: Schema.optional(Schema.String),
  preview_image_url: Schema.optional(Schema.String),
  width: Schema.optional(Schema.Number),
  height: Schema.optional(Schema.Number),
  duration_ms: Schema.optional(Schema.Number),
  alt_text: Schema.optional(Schema.String),
  variants: Schema.optional(Schema.Array(Variant)),
  public_metrics: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})
/** @since 0.1.0 */
export type Media = typeof Media.Type

/**
 * Response of `GET /2/media/{media_key}`.
 *
 * @since 0.1.0
 */
export const ByKeyResponse = Schema.Struct({
  data: Media,
  errors: Schema.optional(Schema.Array(XError.Problem))
})
/** @since 0.1.0 */
export type ByKeyResponse = typeof ByKeyResponse.Type

/**
 * Response of `GET /2/media?media_keys=...`: found media in `data`, missing keys as partial `errors`.
 *
 * @since 0.1.0
 */
export const ByKeysResponse = Schema.Struct({
  data: Schema.optional(Schema.Array(Media)),
  errors: Schema.optional(Schema.Array(XError.Problem))
})
/** @since 0.1.0 */
export type ByKeysResponse = typeof ByKeysResponse.Type

/**
 * Options of the lookups.
 *
 * @since 0.1.0
 */
export interface LookupOptions {
  readonly fields?: ReadonlyArray<MediaField> | undefined
  readonly retry?: Retry.Policy | undefined
}

const Fields = Schema.Array(MediaField)

/**
 * `GET /2/media/{media_key}`.
 *
 * @since 0.1.0
 */
export const byKey: (
  key: Ids.MediaKey | string,
  options?: LookupOptions
) => Effect.Effect<ByKeyResponse, XError.ReadError, Endpoint.XClientTag> = Effect.fn("MediaLookup.byKey")(
  function*(key: Ids.MediaKey | string, options?: LookupOptions) {
    const valid = yield* Endpoint.validate("MediaLookup.byKey", Ids.MediaKey, key, "media_key")
    const fields = yield* Endpoint.validate("MediaLookup.byKey", Fields, options?.fields ?? [], "fields")
    return yield* Endpoint.executeRead({
      name: "MediaLookup.byKey",
      method: "GET",
      route: "/2/media/{media_key}",
      userContext: false,
      mediaKey: valid,
      success: ByKeyResponse,
      request: HttpClientRequest.get(`/2/media/${valid}`).pipe(
        fields.length > 0 ? HttpClientRequest.setUrlParam("media.fields", fields.join(",")) : (r) => r
      ),
      retry: options?.retry
    })
  }
)

const Keys = Schema.Array(Ids.MediaKey).pipe(
  Schema.minItems(1, { message: () => "give at least one media key" }),
  Schema.maxItems(100, { message: () => "at most 100 media keys per lookup" })
)

/**
 * `GET /2/media?media_keys=k1,k2` (1-100 keys).
 *
 * @since 0.1.0
 */
export const byKeys: (
  keys: ReadonlyArray<Ids.MediaKey | string>,
  options?: LookupOptions
) => Effect.Effect<ByKeysResponse, XError.ReadError, Endpoint.XClientTag> = Effect.fn("MediaLookup.byKeys")(
  function*(keys: ReadonlyArray<Ids.MediaKey | string>, options?: LookupOptions) {
    const valid = yield* Endpoint.validate("MediaLookup.byKeys", Keys, keys, "media_keys")
    const fields = yield* Endpoint.validate("MediaLookup.byKeys", Fields, options?.fields ?? [], "fields")
    return yield* Endpoint.executeRead({
      name: "MediaLookup.byKeys",
      method: "GET",
      route: "/2/media",
      userContext: false,
      success: ByKeysResponse,
      request: HttpClientRequest.get("/2/media").pipe(
        HttpClientRequest.setUrlParam("media_keys", valid.join(",")),
        fields.length > 0 ? HttpClientRequest.setUrlParam("media.fields", fields.join(",")) : (r) => r
      ),
      retry: options?.retry
    })
  }
)
