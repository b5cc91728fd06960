/**
 * `GET /2/media/analytics`: playback metrics of media items over a time range (Enterprise access at X).
 *
 * @example
 * ```ts
 * MediaAnalytics.get({
 *   media_keys: ["13_1880028106020515840"],
 *   start_time: "2025-03-17T00:00:00Z",
 *   end_time: "2025-03-18T00:00:00Z",
 *   granularity: "hourly"
 * })
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

/**
 * A `media_analytics.fields` value.
 *
 * @since 0.1.0
 */
export const Field = Schema.Literal(
  "cta_url_clicks",
  "cta_watch_clicks",
  "media_key",
  "play_from_tap",
  "playback25",
  "playback50",
  "playback75",
  "playback_complete",
  "playback_start",
  "timestamp",
  "timestamped_metrics",
  "video_views",
  "watch_time_ms"
)
/** @since 0.1.0 */
export type Field = typeof Field.Type

const Timestamp = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, {
    message: () => "use a UTC timestamp YYYY-MM-DDTHH:mm:ssZ, e.g. \"2025-03-17T06:30:00Z\""
  })
)

/**
 * Query of `GET /2/media/analytics`.
 *
 * @since 0.1.0
 */
export const Request = Schema.Struct({
  media_keys: Schema.Array(Ids.MediaKey).pipe(
    Schema.minItems(1, { message: () => "give at least one media key" }),
    Schema.maxItems(100, { message: () => "at most 100 media keys per request" })
  ),
  start_time: Timestamp,
  end_time: Timestamp,
  granularity: Schema.optional(Schema.Literal("hourly", "daily", "total")),
  fields: Schema.optional(Schema.Array(Field))
})
/** @since 0.1.0 */
export type Request = typeof Request.Type

/**
 * A metric value: an integer, or X's original string when it does not parse, or `null`.
 *
 * @since 0.1.0
 */
export const MetricValue = Schema.Union(Schema.Number, Schema.String, Schema.Null)

/**
 * One bucket.
 *
 * @since 0.1.0
 */
export const TimestampedMetrics = Schema.Struct({
  timestamp: Schema.optional(Schema.String),
  metrics: Schema.optional(Schema.Record({ key: Schema.String, value: MetricValue }))
})

/**
 * Metrics of one media item: its buckets (`timestamped_metrics`), and the counters 2.167 also lists at the top level
 * of the item (research §4.8 suspects a generator artifact; kept when X sends them, never required).
 *
 * @since 0.1.0
 */
export const MediaAnalytics = Schema.Struct({
  media_key: Schema.optional(Ids.MediaKey),
  timestamped_metrics: Schema.optional(Schema.Array(TimestampedMetrics)),
  timestamp: Schema.optional(Schema.String),
  cta_url_clicks: Schema.optional(MetricValue),
  cta_watch_clicks: Schema.optional(MetricValue),
  play_from_tap: Schema.optional(MetricValue),
  playback25: Schema.optional(MetricValue),
  playback50: Schema.optional(MetricValue),
  playback75: Schema.optional(MetricValue),
  playback_complete: Schema.optional(MetricValue),
  playback_start: Schema.optional(MetricValue),
  video_views: Schema.optional(MetricValue),
  watch_time_ms: Schema.optional(MetricValue)
})

/**
 * Response of `GET /2/media/analytics`.
 *
 * @since 0.1.0
 */
export const Response = Schema.Struct({
  data: Schema.optional(Schema.Array(MediaAnalytics)),
  errors: Schema.optional(Schema.Array(XError.Problem))
})
/** @since 0.1.0 */
export type Response = typeof Response.Type

/**
 * `GET /2/media/analytics`. Validates keys and timestamps locally (and that `start_time` is before `end_time`).
 * `granularity` is always sent, `daily` when left out: X's 2.167 defaults it so, older versions require it.
 *
 * @since 0.1.0
 */
export const get: (
  request: typeof Request.Encoded,
  options?: { readonly retry?: Retry.Policy | undefined }
) => Effect.Effect<Response, XError.RequestError, Endpoint.XClientTag> = Effect.fn("MediaAnalytics.get")(
  function*(request: typeof Request.Encoded, options?: { readonly retry?: Retry.Policy | undefined }) {
    const valid = yield* Endpoint.validate("MediaAnalytics.get", Request, request)
    yield* Endpoint.require(
      Date.parse(valid.start_time) < Date.parse(valid.end_time),
      "MediaAnalytics.get",
      "start_time",
      "start_time must be before end_time"
    )
    const params: Record<string, string> = {
      media_keys: valid.media_keys.join(","),
      start_time: valid.start_time,
      end_time: valid.end_time
    }
    // always sent: ≤2.166 requires it, 2.167 defaults it to `daily` (research §11.22)
    params.granularity = valid.granularity ?? "daily"
    if (valid.fields !== undefined && valid.fields.length > 0) params["media_analytics.fields"] = valid.fields.join(",")
    return yield* Endpoint.execute({
      name: "MediaAnalytics.get",
      method: "GET",
      route: "/2/media/analytics",
      userContext: true,
      success: Response,
      request: HttpClientRequest.get("/2/media/analytics").pipe(HttpClientRequest.setUrlParams(params)),
      retry: options?.retry
    })
  }
)
