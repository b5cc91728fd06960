/**
 * The post endpoints a media flow needs: `POST /2/tweets` (text and media), `DELETE /2/tweets/{id}`,
 * `GET /2/tweets/{id}` and `GET /2/users/{id}/tweets` (with `attachments.media_keys`, so a flow can find the post
 * that carries its media).
 *
 * `create` is never retried blindly: only failures that certainly created nothing (rate limits, a connection
 * refused before sending) are retried; anything ambiguous (a 5xx, a timeout or reset after sending) becomes
 * `XError.PostMayExist`.
 *
 * @since 0.1.0
 */
import { HttpClientRequest } from "@effect/platform"
import { Effect, Schema } from "effect"
import * as Ids from "./Ids.js"
import * as Endpoint from "./internal/endpoint.js"
import * as MediaLookup from "./MediaLookup.js"
import * as Retry from "./Retry.js"
import * as XError from "./XError.js"

/**
 * The `media` object of a new post: 1-4 media ids, up to 10 tagged users.
 *
 * @since 0.1.0
 */
export const CreateMedia = Schema.Struct({
  media_ids: Schema.Array(Ids.MediaId).pipe(
    Schema.minItems(1, { message: () => "media.media_ids needs 1 to 4 media ids" }),
    Schema.maxItems(4, { message: () => "media.media_ids takes at most 4 media ids (4 photos, or 1 GIF, or 1 video)" })
  ),
  tagged_user_ids: Schema.optional(
    Schema.Array(Ids.UserId).pipe(
      Schema.maxItems(10, { message: () => "media.tagged_user_ids takes at most 10 user ids" })
    )
  )
})

/**
 * Body of `POST /2/tweets` (the media-relevant part). `text` is required unless `media` is given.
 *
 * @since 0.1.0
 */
export const CreateRequest = Schema.Struct({
  text: Schema.optional(Schema.String),
  media: Schema.optional(CreateMedia),
  reply: Schema.optional(Schema.Struct({ in_reply_to_tweet_id: Ids.PostId }))
}).pipe(
  Schema.filter((r) =>
    (r.text !== undefined && r.text.length > 0) || r.media !== undefined || {
      path: ["text"],
      message: "a post needs text or media: give text, media.media_ids, or both"
    }
  )
)
/** @since 0.1.0 */
export type CreateRequest = typeof CreateRequest.Type

/**
 * Response of `POST /2/tweets` (HTTP 201). X's docs name the history field `edit_history_tweet_ids`, the spec
 * `edit_history_post_ids`; both are accepted.
 *
 * @since 0.1.0
 */
export const CreateResponse = Schema.Struct({
  data: Schema.Struct({
    id: Ids.PostId,
    text: Schema.String,
    edit_history_tweet_ids: Schema.optional(Schema.Array(Schema.String)),
    edit_history_post_ids: Schema.optional(Schema.Array(Schema.String))
  }),
  errors: Schema.optional(Schema.Array(XError.Problem))
})
/** @since 0.1.0 */
export type CreateResponse = typeof CreateResponse.Type

/**
 * Response of `DELETE /2/tweets/{id}`.
 *
 * @since 0.1.0
 */
export const DeleteResponse = Schema.Struct({
  data: Schema.Struct({ deleted: Schema.Boolean }),
  errors: Schema.optional(Schema.Array(XError.Problem))
})
/** @since 0.1.0 */
export type DeleteResponse = typeof DeleteResponse.Type

/**
 * A post with the fields a media flow reads.
 *
 * @since 0.1.0
 */
export const Post = Schema.Struct({
  id: Ids.PostId,
  text: Schema.optional(Schema.String),
  author_id: Schema.optional(Schema.String),
  created_at: Schema.optional(Schema.String),
  attachments: Schema.optional(
    Schema.Struct({ media_keys: Schema.optional(Schema.Array(Ids.MediaKey)) })
  ),
  edit_history_tweet_ids: Schema.optional(Schema.Array(Schema.String))
})
/** @since 0.1.0 */
export type Post = typeof Post.Type

/**
 * `includes` of a post lookup (`expansions=attachments.media_keys`).
 *
 * @since 0.1.0
 */
export const Includes = Schema.Struct({ media: Schema.optional(Schema.Array(MediaLookup.Media)) })

/**
 * Response of `GET /2/tweets/{id}`.
 *
 * @since 0.1.0
 */
export const GetResponse = Schema.Struct({
  data: Post,
  includes: Schema.optional(Includes),
  errors: Schema.optional(Schema.Array(XError.Problem))
})
/** @since 0.1.0 */
export type GetResponse = typeof GetResponse.Type

/**
 * Response of `GET /2/users/{id}/tweets` (`data` is absent when the user has no posts in range).
 *
 * @since 0.1.0
 */
export const ByUserResponse = Schema.Struct({
  data: Schema.optional(Schema.Array(Post)),
  includes: Schema.optional(Includes),
  meta: Schema.optional(Schema.Struct({
    result_count: Schema.optional(Schema.Number),
    newest_id: Schema.optional(Schema.String),
    oldest_id: Schema.optional(Schema.String),
    next_token: Schema.optional(Schema.String),
    previous_token: Schema.optional(Schema.String)
  })),
  errors: Schema.optional(Schema.Array(XError.Problem))
})
/** @since 0.1.0 */
export type ByUserResponse = typeof ByUserResponse.Type

/**
 * Per-call options.
 *
 * @since 0.1.0
 */
export interface CallOptions {
  readonly retry?: Retry.Policy | undefined
}

/**
 * `POST /2/tweets`. Default policy `Retry.unappliedOnly()`; any policy given is restricted to failures that
 * created nothing. A 5xx, or a timeout/reset after the request was sent, fails with `XError.PostMayExist`
 * (carrying the text and media ids): look for the post with `byUser` before posting again.
 *
 * @since 0.1.0
 */
export const create: (
  request: typeof CreateRequest.Encoded,
  options?: CallOptions
) => Effect.Effect<CreateResponse, XError.PostCreateError, Endpoint.XClientTag> = Effect.fn("Posts.create")(
  function*(request: typeof CreateRequest.Encoded, options?: CallOptions) {
    const valid = yield* Endpoint.validate("Posts.create", CreateRequest, request)
    const mediaIds = valid.media?.media_ids ?? []
    const mayExist = (reason: string) =>
      new XError.PostMayExist({ endpoint: "Posts.create", text: valid.text, mediaIds, reason })
    return yield* Endpoint.execute({
      name: "Posts.create",
      method: "POST",
      route: "/2/tweets",
      userContext: true,
      mediaId: mediaIds.length > 0 ? mediaIds.join(",") : undefined,
      success: CreateResponse,
      request: HttpClientRequest.post("/2/tweets").pipe(HttpClientRequest.bodyUnsafeJson(valid)),
      retry: options?.retry,
      defaultRetry: Retry.unappliedOnly(),
      retryOnly: XError.isCertainlyNotApplied
    }).pipe(
      // X answered 2xx (the post was most likely created) with a body that did not decode: its id is unknown (an
      // UnexpectedResponse only ever comes from a 2xx body)
      Effect.catchTag("UnexpectedResponse", (e) =>
        Effect.fail(
          mayExist(`X answered HTTP ${e.status}, so the post was most likely created, with a body xmedia could not read`)
        )),
      // sent, and then no answer or a 5xx: X may have created it (not so a failure that certainly changed nothing,
      // such as the token refresh before the post)
      Effect.catchIf(
        (e) => (e._tag === "ServerError" || e._tag === "Transport") && !XError.isCertainlyNotApplied(e),
        (e) =>
          Effect.fail(mayExist(
            e._tag === "ServerError"
              ? `HTTP ${e.status} from X`
              : e._tag === "Transport"
              ? `${e.reason} after the request was sent`
              : e._tag
          ))
      )
    )
  }
)

/**
 * `DELETE /2/tweets/{id}` (only your own posts). Retried on transient failures and rate limits (deleting twice is
 * harmless; a second delete of a gone post answers `deleted: false` or 404).
 *
 * @since 0.1.0
 */
export const remove: (
  id: Ids.PostId | string,
  options?: CallOptions
) => Effect.Effect<DeleteResponse, XError.RequestError, Endpoint.XClientTag> = Effect.fn("Posts.remove")(
  function*(id: Ids.PostId | string, options?: CallOptions) {
    const valid = yield* Endpoint.validate("Posts.remove", Ids.PostId, id, "id")
    return yield* Endpoint.execute({
      name: "Posts.remove",
      method: "DELETE",
      route: "/2/tweets/{id}",
      userContext: true,
      success: DeleteResponse,
      request: HttpClientRequest.del(`/2/tweets/${valid}`),
      retry: options?.retry
    })
  }
)

const postFields = "attachments,author_id,created_at"

/**
 * `GET /2/tweets/{id}?expansions=attachments.media_keys`: the post and its media in `includes.media`.
 *
 * @since 0.1.0
 */
export const get: (
  id: Ids.PostId | string,
  options?: CallOptions
) => Effect.Effect<GetResponse, XError.ReadError, Endpoint.XClientTag> = Effect.fn("Posts.get")(
  function*(id: Ids.PostId | string, options?: CallOptions) {
    const valid = yield* Endpoint.validate("Posts.get", Ids.PostId, id, "id")
    return yield* Endpoint.executeRead({
      name: "Posts.get",
      method: "GET",
      route: "/2/tweets/{id}",
      userContext: false,
      success: GetResponse,
      request: HttpClientRequest.get(`/2/tweets/${valid}`).pipe(
        HttpClientRequest.setUrlParams({
          expansions: "attachments.media_keys",
          "tweet.fields": postFields,
          "media.fields": "media_key,type,url,preview_image_url,width,height,duration_ms"
        })
      ),
      retry: options?.retry
    })
  }
)

/**
 * Query of `byUser`.
 *
 * @since 0.1.0
 */
export const ByUserQuery = Schema.Struct({
  max_results: Schema.optional(Schema.Int.pipe(
    Schema.between(5, 100, { message: () => "max_results must be an integer from 5 to 100" })
  )),
  since_id: Schema.optional(Ids.PostId),
  until_id: Schema.optional(Ids.PostId),
  start_time: Schema.optional(Schema.String),
  end_time: Schema.optional(Schema.String),
  pagination_token: Schema.optional(Schema.String)
})
/** @since 0.1.0 */
export type ByUserQuery = typeof ByUserQuery.Type

/**
 * `GET /2/users/{id}/tweets` with `attachments.media_keys`: the user's recent posts, newest first. Use it to find
 * the post that carries a media key (e.g. after `XError.PostMayExist`).
 *
 * @since 0.1.0
 */
export const byUser: (
  userId: Ids.UserId | string,
  query?: typeof ByUserQuery.Encoded,
  options?: CallOptions
) => Effect.Effect<ByUserResponse, XError.ReadError, Endpoint.XClientTag> = Effect.fn("Posts.byUser")(
  function*(userId: Ids.UserId | string, query?: typeof ByUserQuery.Encoded, options?: CallOptions) {
    const id = yield* Endpoint.validate("Posts.byUser", Ids.UserId, userId, "userId")
    const q = yield* Endpoint.validate("Posts.byUser", ByUserQuery, query ?? {})
    const params: Record<string, string> = {
      expansions: "attachments.media_keys",
      "tweet.fields": postFields,
      "media.fields": "media_key,type,url,preview_image_url,width,height,duration_ms"
    }
    for (const [k, v] of Object.entries(q)) if (v !== undefined) params[k] = String(v)
    return yield* Endpoint.executeRead({
      name: "Posts.byUser",
      method: "GET",
      route: "/2/users/{id}/tweets",
      userContext: false,
      success: ByUserResponse,
      request: HttpClientRequest.get(`/2/users/${id}/tweets`).pipe(HttpClientRequest.setUrlParams(params)),
      retry: options?.retry
    })
  }
)

/**
 * Finds, in a `byUser` or `get` response, the post whose `attachments.media_keys` contains `mediaKey`.
 *
 * @since 0.1.0
 */
export const findByMediaKey = (posts: ReadonlyArray<Post> | undefined, mediaKey: string): Post | undefined =>
  posts?.find((p) => p.attachments?.media_keys?.some((k) => k === mediaKey) ?? false)

/**
 * Finds, in a `byUser` or `get` response, the post that carries the media with id `mediaId`: posts list media keys
 * (`7_1880028106020515840`), whose part after `_` is the media id. This is the lookup after `XError.PostMayExist`,
 * which carries the media ids that were sent.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Posts, Users } from "@xmedia/core"
 *
 * const recover = (mediaId: string) =>
 *   Effect.gen(function*() {
 *     const me = yield* Users.me()
 *     const recent = yield* Posts.byUser(me.data.id)
 *     return Posts.findByMediaId(recent.data, mediaId) // the post, or undefined: then post again
 *   })
 * ```
 *
 * @since 0.1.0
 */
export const findByMediaId = (posts: ReadonlyArray<Post> | undefined, mediaId: string): Post | undefined =>
  posts?.find((p) => p.attachments?.media_keys?.some((k) => k.slice(k.indexOf("_") + 1) === mediaId) ?? false)
