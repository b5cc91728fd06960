/**
 * `GET /2/users/me`: the authenticated user (so a flow knows whose posts to search).
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
 * A user as `GET /2/users/me` returns it (default fields).
 *
 * @since 0.1.0
 */
export const User = Schema.Struct({
  id: Ids.UserId,
  name: Schema.optional(Schema.String),
  username: Schema.optional(Schema.String)
})
/** @since 0.1.0 */
export type User = typeof User.Type

/**
 * Response of `GET /2/users/me`.
 *
 * @since 0.1.0
 */
export const MeResponse = Schema.Struct({
  data: User,
  errors: Schema.optional(Schema.Array(XError.Problem))
})
/** @since 0.1.0 */
export type MeResponse = typeof MeResponse.Type

/**
 * `GET /2/users/me`. Needs a user context; retried on transient failures and rate limits.
 *
 * @since 0.1.0
 */
export const me: (
  options?: { readonly retry?: Retry.Policy | undefined }
) => Effect.Effect<MeResponse, XError.RequestError, Endpoint.XClientTag> = Effect.fn("Users.me")(
  function*(options?: { readonly retry?: Retry.Policy | undefined }) {
    return yield* Endpoint.execute({
      name: "Users.me",
      method: "GET",
      route: "/2/users/me",
      userContext: true,
      success: MeResponse,
      request: HttpClientRequest.get("/2/users/me"),
      retry: options?.retry
    })
  }
)
