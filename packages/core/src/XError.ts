/**
 * The typed failures of every @xmedia/core call.
 *
 * Every failure is a `Schema.TaggedError` (so it can be matched with `Effect.catchTag`, persisted in a workflow
 * journal and sent over the wire), carries the endpoint it came from where that makes sense, and has a `message`
 * that says what to do about it. No error ever carries a credential.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MediaUpload, XError } from "@xmedia/core"
 *
 * const program = MediaUpload.status(id).pipe(
 *   Effect.catchTag("RateLimited", (e) => Effect.logWarning(`try again at ${new Date(e.resetAt ?? 0).toISOString()}`))
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const describe = (endpoint: string | undefined, status: number | undefined) =>
  `${endpoint ?? "X API"}${status === undefined ? "" : ` (HTTP ${status})`}`

const detailOf = (detail: string | undefined, title: string | undefined) =>
  detail !== undefined && detail.length > 0 ? detail : title ?? ""

/**
 * The fields every problem-details failure carries: the endpoint (`"MediaUpload.append"`), the HTTP status, and
 * X's `title`, `detail` and `type` (the full problem URI, e.g. `https://api.x.com/2/problems/invalid-request`).
 *
 * @since 0.1.0
 */
export const ProblemFields = {
  endpoint: Schema.String,
  status: Schema.Number,
  title: Schema.optional(Schema.String),
  detail: Schema.optional(Schema.String),
  type: Schema.optional(Schema.String)
}

/**
 * One entry of an invalid-request problem's `errors` list: X's reason and the offending parameters.
 *
 * @since 0.1.0
 */
export const InvalidRequestItem = Schema.Struct({
  message: Schema.String,
  parameters: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Array(Schema.Unknown) }))
})
/** @since 0.1.0 */
export type InvalidRequestItem = typeof InvalidRequestItem.Type

/**
 * HTTP 400 `invalid-request`: X rejected a parameter. `errors` lists X's reasons (e.g. "Your media IDs are
 * invalid.") with the parameters they refer to.
 *
 * @since 0.1.0
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  ...ProblemFields,
  errors: Schema.Array(InvalidRequestItem)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    const reasons = this.errors.map((e) =>
      e.parameters === undefined ? e.message : `${e.message} [${Object.keys(e.parameters).join(", ")}]`
    )
    const what = reasons.length > 0 ? reasons.join("; ") : detailOf(this.detail, this.title)
    return `${describe(this.endpoint, this.status)}: X rejected the request: ${what}. Fix the named parameters and send again.`
  }
}

/**
 * `resource-not-found` (HTTP 404, or 400 for an unknown upload id): the media, post or user does not exist, is
 * not yours, or has expired.
 *
 * @since 0.1.0
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", ProblemFields) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${describe(this.endpoint, this.status)}: not found: ${detailOf(this.detail, this.title)}. ` +
      `Check the id; media ids expire (see expires_after_secs) and are only visible to their owners.`
  }
}

/**
 * `not-authorized-for-resource`: the authenticated user may not act on this resource (e.g. deleting someone
 * else's post).
 *
 * @since 0.1.0
 */
export class NotAuthorizedForResource extends Schema.TaggedError<NotAuthorizedForResource>()(
  "NotAuthorizedForResource",
  ProblemFields
) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${describe(this.endpoint, this.status)}: not authorized for this resource: ${
      detailOf(this.detail, this.title)
    }. Use the credentials of the user who owns it.`
  }
}

/**
 * `client-forbidden`: the developer app is not enrolled for this endpoint (`reason` is `client-not-enrolled` or
 * `official-client-forbidden`).
 *
 * @since 0.1.0
 */
export class ClientForbidden extends Schema.TaggedError<ClientForbidden>()("ClientForbidden", {
  ...ProblemFields,
  reason: Schema.optional(Schema.String),
  requiredEnrollment: Schema.optional(Schema.String),
  registrationUrl: Schema.optional(Schema.String)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${describe(this.endpoint, this.status)}: the developer app is not allowed to call this endpoint` +
      `${this.reason ? ` (${this.reason})` : ""}${
        this.requiredEnrollment ? `; it needs the "${this.requiredEnrollment}" enrollment` : ""
      }. Attach the app to a project with access in the developer portal${
        this.registrationUrl ? ` (${this.registrationUrl})` : ""
      }.`
  }
}

/**
 * `unsupported-authentication`: the endpoint does not accept this kind of credential (e.g. an app-only bearer
 * token on a user-context endpoint).
 *
 * @since 0.1.0
 */
export class UnsupportedAuthentication extends Schema.TaggedError<UnsupportedAuthentication>()(
  "UnsupportedAuthentication",
  ProblemFields
) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${describe(this.endpoint, this.status)}: X does not accept this kind of credential here: ${
      detailOf(this.detail, this.title)
    }. Use an OAuth 2.0 user token (scope media.write) or OAuth 1.0a user credentials.`
  }
}

/**
 * `usage-capped` (HTTP 429): the project's monthly or daily product cap is spent. Waiting for the rate-limit
 * window does not help, so it is never retried.
 *
 * @since 0.1.0
 */
export class UsageCapped extends Schema.TaggedError<UsageCapped>()("UsageCapped", {
  ...ProblemFields,
  period: Schema.optional(Schema.String),
  scope: Schema.optional(Schema.String)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${describe(this.endpoint, this.status)}: usage cap exceeded${
      this.period ? ` (${this.period}${this.scope ? `, ${this.scope}` : ""})` : ""
    }: ${detailOf(this.detail, this.title)}. Retrying will not help until the cap resets; upgrade the plan or wait.`
  }
}

/**
 * One 24-hour window reported by X in `x-app-limit-24hour-*` or `x-user-limit-24hour-*` headers.
 *
 * @since 0.1.0
 */
export const Window24h = Schema.Struct({
  limit: Schema.optional(Schema.Number),
  remaining: Schema.optional(Schema.Number),
  /** Epoch milliseconds when the window resets. */
  resetAt: Schema.optional(Schema.Number)
})
/** @since 0.1.0 */
export type Window24h = typeof Window24h.Type

/**
 * HTTP 429 rate limit. `resetAt` is the epoch-milliseconds instant from `x-rate-limit-reset` (X sends epoch
 * seconds); when a 24-hour window is the one spent, `appDay` / `userDay` say so. `Retry.rateLimit` sleeps until
 * the reset instant and tries again.
 *
 * @since 0.1.0
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  endpoint: Schema.String,
  status: Schema.Number,
  resetAt: Schema.optional(Schema.Number),
  limit: Schema.optional(Schema.Number),
  remaining: Schema.optional(Schema.Number),
  appDay: Schema.optional(Window24h),
  userDay: Schema.optional(Window24h),
  detail: Schema.optional(Schema.String)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    const at = this.resetAt === undefined ? "an unknown time" : new Date(this.resetAt).toISOString()
    const day = this.userDay?.remaining === 0 ? " (the user's 24-hour limit is spent)" :
      this.appDay?.remaining === 0 ? " (the app's 24-hour limit is spent)" : ""
    return `${describe(this.endpoint, this.status)}: rate limited${day}; the window resets at ${at}. ` +
      `Wait until then (Retry.rateLimit does this) or spread the calls out.`
  }
}

/**
 * HTTP 401: the credentials were rejected (expired or revoked token, wrong signature).
 *
 * @since 0.1.0
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  ...ProblemFields,
  code: Schema.optional(Schema.Number)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${describe(this.endpoint, this.status)}: X rejected the credentials${
      this.detail ? ` (${this.detail})` : ""
    }. ${unauthorizedHint(this.code)}`
  }
}

/** What to do about a rejected credential, by X's code (v1.1-style bodies) when there is one. */
const unauthorizedHint = (code: number | undefined): string => {
  switch (code) {
    case 135:
      return "X found the OAuth 1.0a timestamp out of bounds: set this machine's clock right (NTP), then retry."
    case 32:
    case 215:
      return "X could not verify the OAuth 1.0a signature: check the consumer key and secret and the access token " +
        "and secret (all four belong to the same app)."
    default:
      return "Refresh or re-issue the access token (OAuth 2.0: give a refresh token and client id for automatic " +
        "refresh; OAuth 1.0a: check the four keys and the machine's clock)."
  }
}

/**
 * HTTP 403 without a more specific problem type (e.g. `about:blank` "Forbidden", a missing scope, a suspended
 * app), or X's codes 64/220/261/326 (v1.1-style bodies, on either API generation).
 *
 * @since 0.1.0
 */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  ...ProblemFields,
  code: Schema.optional(Schema.Number)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${describe(this.endpoint, this.status)}: forbidden: ${detailOf(this.detail, this.title)}. ` +
      `Check the token's scopes (media.write, tweet.write, users.read, tweet.read) and the app's permissions.`
  }
}

/** The one-shot uploads: a blind retry could create a second media id, so they are not retried on a 5xx. */
const oneShot: ReadonlySet<string> = new Set(["MediaUpload.upload", "MediaV1.upload"])

/**
 * HTTP 5xx: X failed. Usually transient; `Retry.transient` retries it with backoff.
 *
 * @since 0.1.0
 */
export class ServerError extends Schema.TaggedError<ServerError>()("ServerError", {
  ...ProblemFields,
  body: Schema.optional(Schema.String)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${describe(this.endpoint, this.status)}: X had a server error${
      this.detail || this.title ? `: ${detailOf(this.detail, this.title)}` : ""
    }. This is usually temporary; ${
      oneShot.has(this.endpoint)
        ? "but a one-shot upload may have created a media id all the same: uploading again makes a new one " +
          "(the chunked upload, Uploader.uploadFile, retries its segments safely)"
        : "retry later (Retry.transient)"
    }.`
  }
}

/**
 * A v1.1-style error body (`{"errors":[{"code":999,"message":"..."}]}` or `{"code":999,"message":"..."}` or
 * `{"request":"...","error":"..."}`) whose code and status no more specific error covers (known codes such as 38
 * are `InvalidRequest`, 89 `Unauthorized`, on either API generation). `code` is X's error code.
 *
 * @since 0.1.0
 */
export class ApiError extends Schema.TaggedError<ApiError>()("ApiError", {
  endpoint: Schema.String,
  status: Schema.Number,
  code: Schema.optional(Schema.Number),
  detail: Schema.String
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${describe(this.endpoint, this.status)}: X error${
      this.code === undefined ? "" : ` ${this.code}`
    }: ${this.detail}. ${apiErrorHint(this.status)}`
  }
}

/** What to do about an otherwise unclassified status. */
const apiErrorHint = (status: number): string => {
  switch (status) {
    case 413:
    case 431:
      return "The request was too large for X: send smaller pieces (a smaller chunkSize for uploads)."
    case 410:
      return "X has retired this endpoint: use its replacement (see docs/core.md)."
    case 408:
      return "X timed out waiting for the request; this is usually temporary (Retry.transient)."
    case 409:
      return "The request conflicts with the current state at X (e.g. a step already done): check the state first."
    default:
      return "See X's error-code table for what to change."
  }
}

/**
 * Why a request did not get a response.
 *
 * @since 0.1.0
 */
export const TransportReason = Schema.Literal("Timeout", "ConnectionReset", "ConnectionRefused", "Network")
/** @since 0.1.0 */
export type TransportReason = typeof TransportReason.Type

/**
 * No HTTP response: timeout, connection reset or refused, DNS or other network failure. `sent` is `true` when
 * the request may have reached X (so a non-idempotent call may have taken effect) and `false` only when it
 * certainly did not (e.g. connection refused).
 *
 * @since 0.1.0
 */
export class Transport extends Schema.TaggedError<Transport>()("Transport", {
  endpoint: Schema.String,
  reason: TransportReason,
  sent: Schema.Boolean,
  description: Schema.optional(Schema.String)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${this.endpoint}: no response from X (${this.reason}${
      this.description ? `: ${this.description}` : ""
    }); the request ${this.sent ? "may have reached X" : "was not sent"}. Check the network and the base URL, then retry.`
  }
}

/**
 * A response that does not match the endpoint's schema (a 2xx body that is not what X documents, or a non-JSON
 * success). Carries the status, an excerpt of the body (at most 500 characters) and the schema issue.
 *
 * @since 0.1.0
 */
export class UnexpectedResponse extends Schema.TaggedError<UnexpectedResponse>()("UnexpectedResponse", {
  endpoint: Schema.String,
  status: Schema.Number,
  body: Schema.String,
  issue: Schema.String
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${describe(this.endpoint, this.status)}: X answered with a body xmedia does not understand: ${this.issue}. ` +
      `Body (excerpt): ${this.body}. Report this with the body; X may have changed the response shape.`
  }
}

/**
 * Media processing ended in `failed` (or reported an `error` while `in_progress`). `code`, `errorName` and `detail`
 * are X's `processing_info.error` `code`, `name`, `message` (e.g. `1`, `InvalidMedia`, `Unsupported video format`).
 *
 * @since 0.1.0
 */
export class ProcessingFailed extends Schema.TaggedError<ProcessingFailed>()("ProcessingFailed", {
  mediaId: Schema.String,
  code: Schema.optional(Schema.Number),
  errorName: Schema.optional(Schema.String),
  detail: Schema.optional(Schema.String)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `Media ${this.mediaId} failed processing${this.errorName ? ` (${this.errorName}${this.code === undefined ? "" : ` ${this.code}`})` : ""}: ${
      this.detail ?? "no reason given"
    }. Re-encode the file to X's specification (H.264/AAC MP4, limits per category) and upload it again.`
  }
}

/**
 * Media processing did not finish within the allowed wait.
 *
 * @since 0.1.0
 */
export class ProcessingTimeout extends Schema.TaggedError<ProcessingTimeout>()("ProcessingTimeout", {
  mediaId: Schema.String,
  waitedMs: Schema.Number,
  lastState: Schema.optional(Schema.String)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `Media ${this.mediaId} was still ${this.lastState ?? "processing"} after ${
      Math.round(this.waitedMs / 1000)
    } s. Poll MediaUpload.status again later, or give the upload a longer processingTimeout.`
  }
}

/**
 * The media id has expired (past `expires_after_secs`): it cannot be appended to, finalized or attached.
 *
 * @since 0.1.0
 */
export class MediaExpired extends Schema.TaggedError<MediaExpired>()("MediaExpired", {
  mediaId: Schema.String,
  endpoint: Schema.optional(Schema.String)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `Media ${this.mediaId} has expired${this.endpoint ? ` (${this.endpoint})` : ""}. Upload the file again.`
  }
}

/**
 * `POST /2/tweets` failed in a way that does not tell whether the post was created (timeout or reset after the
 * request was sent, or a 5xx). It is never retried blindly: look at the user's recent posts (e.g.
 * `Posts.byUser`) for one carrying these media ids before trying again.
 *
 * @since 0.1.0
 */
export class PostMayExist extends Schema.TaggedError<PostMayExist>()("PostMayExist", {
  endpoint: Schema.String,
  text: Schema.optional(Schema.String),
  mediaIds: Schema.Array(Schema.String),
  reason: Schema.String
}) {
  /** @since 0.1.0 */
  override get message(): string {
    const look = this.mediaIds.length > 0
      ? `for one carrying media ${this.mediaIds.join(", ")} (Posts.findByMediaId)`
      : "for one with this text (X may have appended a link to it)"
    return `${this.endpoint}: the post may or may not have been created (${this.reason}). Look up the user's recent ` +
      `posts (Posts.byUser) ${look} before posting again.`
  }
}

/**
 * An app-only bearer token was used for an endpoint that needs a user (every media write). Raised before any
 * network call.
 *
 * @since 0.1.0
 */
export class AppOnlyNotAllowed extends Schema.TaggedError<AppOnlyNotAllowed>()("AppOnlyNotAllowed", {
  endpoint: Schema.String
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${this.endpoint} needs a user context, but the client has an app-only bearer token. ` +
      `Use Auth.oauth2User (scopes media.write, tweet.write, users.read, tweet.read) or OAuth 1.0a user credentials.`
  }
}

/**
 * Refreshing the OAuth 2.0 access token (`POST /2/oauth2/token`) failed, or no refresh was possible.
 *
 * @since 0.1.0
 */
export class TokenRefreshFailed extends Schema.TaggedError<TokenRefreshFailed>()("TokenRefreshFailed", {
  status: Schema.optional(Schema.Number),
  detail: Schema.String
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `Could not refresh the OAuth 2.0 access token${
      this.status === undefined ? "" : ` (HTTP ${this.status})`
    }: ${this.detail}. Re-authorize the user to get a new refresh token (scope offline.access).`
  }
}

/**
 * Local validation failed before any network call. `field` names the input (e.g. `metadata.alt_text.text`) and
 * `message` says what to change.
 *
 * @since 0.1.0
 */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  endpoint: Schema.String,
  field: Schema.String,
  message: Schema.String
}) {}

/**
 * Every failure an HTTP call to X can produce (after the request left the client, or while authorizing it).
 *
 * @since 0.1.0
 */
export type HttpFailure =
  | InvalidRequest
  | NotFound
  | NotAuthorizedForResource
  | ClientForbidden
  | UnsupportedAuthentication
  | UsageCapped
  | RateLimited
  | Unauthorized
  | Forbidden
  | ServerError
  | ApiError
  | Transport
  | UnexpectedResponse
  | TokenRefreshFailed

/**
 * What an ordinary endpoint function can fail with: HTTP failures, local validation, and app-only refusal.
 *
 * @since 0.1.0
 */
export type RequestError = HttpFailure | InvalidInput | AppOnlyNotAllowed

/**
 * What `Posts.create` can fail with: `RequestError`, except that ambiguous failures become `PostMayExist` (an
 * undecodable 2xx always does, so `UnexpectedResponse` never comes out; a `ServerError` or `Transport` only from
 * the token refresh before the post, or a `Transport` that was never sent).
 *
 * @since 0.1.0
 */
export type PostCreateError = Exclude<RequestError, UnexpectedResponse> | PostMayExist

/**
 * What a v1.1 call (`MediaV1.*`) can fail with: `RequestError` without what only v2 or OAuth 2.0 produce
 * (`TokenRefreshFailed`, `UsageCapped`, `ClientForbidden`, `UnsupportedAuthentication`,
 * `NotAuthorizedForResource`): v1.1 takes OAuth 1.0a only, and its error bodies are v1.1's codes.
 *
 * @since 0.1.0
 */
export type V1RequestError = Exclude<
  RequestError,
  TokenRefreshFailed | UsageCapped | ClientForbidden | UnsupportedAuthentication | NotAuthorizedForResource
>

/**
 * What a read that needs no user (`MediaLookup.byKey`/`byKeys`, `Posts.get`/`byUser`: an app-only bearer token
 * works) can fail with: `RequestError` without `AppOnlyNotAllowed`.
 *
 * @since 0.1.0
 */
export type ReadError = Exclude<RequestError, AppOnlyNotAllowed>

/**
 * Every error of this module.
 *
 * @since 0.1.0
 */
export type XError =
  | RequestError
  | PostMayExist
  | ProcessingFailed
  | ProcessingTimeout
  | MediaExpired

/**
 * A Schema of every error, for workflow journals and RPC (`Schema.Union` of all classes).
 *
 * @since 0.1.0
 */
export const XError: Schema.Union<[
  typeof InvalidRequest,
  typeof NotFound,
  typeof NotAuthorizedForResource,
  typeof ClientForbidden,
  typeof UnsupportedAuthentication,
  typeof UsageCapped,
  typeof RateLimited,
  typeof Unauthorized,
  typeof Forbidden,
  typeof ServerError,
  typeof ApiError,
  typeof Transport,
  typeof UnexpectedResponse,
  typeof TokenRefreshFailed,
  typeof InvalidInput,
  typeof AppOnlyNotAllowed,
  typeof PostMayExist,
  typeof ProcessingFailed,
  typeof ProcessingTimeout,
  typeof MediaExpired
]> = Schema.Union(
  InvalidRequest,
  NotFound,
  NotAuthorizedForResource,
  ClientForbidden,
  UnsupportedAuthentication,
  UsageCapped,
  RateLimited,
  Unauthorized,
  Forbidden,
  ServerError,
  ApiError,
  Transport,
  UnexpectedResponse,
  TokenRefreshFailed,
  InvalidInput,
  AppOnlyNotAllowed,
  PostMayExist,
  ProcessingFailed,
  ProcessingTimeout,
  MediaExpired
)

/**
 * `true` for a failure that is worth retrying with backoff: 5xx (500, 502, 503, 504), HTTP 408, and transport
 * failures.
 *
 * @since 0.1.0
 */
export const isTransient = (error: { readonly _tag: string }): boolean => {
  if (error._tag === "Transport") return true
  if (error._tag === "ServerError") return true
  if (error._tag === "ApiError") {
    const status = (error as ApiError).status
    return status === 408 || status >= 500
  }
  return false
}

/**
 * `true` for a failure that certainly did not change anything at X: a rate limit, a request that was never sent,
 * or a failed OAuth 2.0 token refresh (`endpoint: "Auth.refresh"`, made before the request itself was sent). The
 * only failures `Posts.create` ever retries.
 *
 * @since 0.1.0
 */
export const isCertainlyNotApplied = (error: { readonly _tag: string }): boolean =>
  error._tag === "RateLimited" || (error._tag === "Transport" && (error as Transport).sent === false) ||
  ((error._tag === "Transport" || error._tag === "ServerError") &&
    (error as Transport | ServerError).endpoint === "Auth.refresh")

/**
 * An RFC 7807 problem as X sends it inside a 2xx body's `errors` list (partial errors) or as a top-level error
 * body. Unknown extra fields are kept out of the decoded value.
 *
 * @since 0.1.0
 */
export const Problem = Schema.Struct({
  type: Schema.optional(Schema.String),
  title: Schema.optional(Schema.String),
  detail: Schema.optional(Schema.String),
  status: Schema.optional(Schema.Number),
  resource_id: Schema.optional(Schema.String),
  resource_type: Schema.optional(Schema.String),
  parameter: Schema.optional(Schema.String),
  value: Schema.optional(Schema.Unknown),
  section: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String),
  parameters: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Array(Schema.Unknown) }))
})
/** @since 0.1.0 */
export type Problem = typeof Problem.Type

/**
 * The slug of a problem type URI: the part after `/problems/` on either host (`api.x.com`, `api.twitter.com`), the
 * fragment of X's troubleshooting page form (`https://developer.x.com/en/support/x-api/error-troubleshooting#usage-capped`,
 * which node-twitter-api-v2 matches on), or `about:blank`.
 *
 * @example
 * XError.problemSlug("https://api.x.com/2/problems/resource-not-found") // "resource-not-found"
 *
 * @since 0.1.0
 */
export const problemSlug = (type: string | undefined): string | undefined => {
  if (type === undefined) return undefined
  const i = type.indexOf("/problems/")
  if (i >= 0) return type.slice(i + "/problems/".length).replace(/[?#].*$/, "")
  const hash = type.indexOf("#")
  if (hash >= 0 && type.includes("error-troubleshooting")) return type.slice(hash + 1).replace(/[?/].*$/, "") || type
  return type
}
