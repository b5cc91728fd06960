/**
 * Response and error helpers: X's v2 problem+json bodies, v1.1 `{errors:[{code,message}]}` bodies, and the
 * `HttpFailure` error every handler fails with.
 *
 * @internal
 */
import { HttpServerResponse } from "@effect/platform"
import { Data } from "effect"

/** The problem-type prefix X's real responses carry (2025 traffic; 2.167 docs use api.x.com). @internal */
export const PROBLEM_PREFIX = "https://api.twitter.com/2/problems/"

/** A failure that already knows its HTTP response. @internal */
export class HttpFailure extends Data.TaggedError("HttpFailure")<{
  readonly status: number
  readonly body: unknown
  readonly contentType: string
  readonly headers?: Readonly<Record<string, string>> | undefined
}> {}

/** A JSON response with `status`. @internal */
export const json = (status: number, body: unknown, contentType = "application/json; charset=utf-8") =>
  HttpServerResponse.text(JSON.stringify(body), { status, contentType })

/** The response of a {@link HttpFailure}. @internal */
export const fromFailure = (f: HttpFailure) => {
  const res = json(f.status, f.body, f.contentType)
  return f.headers === undefined ? res : HttpServerResponse.setHeaders(res, f.headers)
}

const problem = (status: number, body: Record<string, unknown>) =>
  new HttpFailure({ status, body, contentType: "application/problem+json" })

/** 400 invalid-request with X's nested `errors[{message, parameters}]`. @internal */
export const invalidRequest = (message: string, parameters: Record<string, ReadonlyArray<string>> = {}) =>
  problem(400, {
    errors: [{ parameters, message }],
    title: "Invalid Request",
    detail: "One or more parameters to your request was invalid.",
    type: `${PROBLEM_PREFIX}invalid-request`
  })

/** 401 as X sends it for missing or unknown credentials. @internal */
export const unauthorized = () =>
  problem(401, { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" })

/** 403 `about:blank` (X's answer to a token without the needed scope). @internal */
export const forbidden = () => problem(403, { title: "Forbidden", type: "about:blank", status: 403, detail: "Forbidden" })

/** 403 unsupported-authentication: app-only bearer on a user-context endpoint. @internal */
export const unsupportedAuthentication = () =>
  problem(403, {
    title: "Unsupported Authentication",
    detail:
      "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
    type: `${PROBLEM_PREFIX}unsupported-authentication`,
    status: 403
  })

/** 403 not-authorized-for-resource. @internal */
export const notAuthorizedForResource = (detail: string, resourceType: string, resourceId: string, parameter = "id") =>
  problem(403, {
    title: "Forbidden",
    detail,
    type: `${PROBLEM_PREFIX}not-authorized-for-resource`,
    resource_type: resourceType,
    resource_id: resourceId,
    parameter,
    value: resourceId,
    section: "data",
    status: 403
  })

/** 404 resource-not-found (top level). @internal */
export const notFound = (detail: string, resourceType: string, resourceId: string, parameter: string) =>
  problem(404, {
    title: "Not Found Error",
    detail,
    type: `${PROBLEM_PREFIX}resource-not-found`,
    resource_type: resourceType,
    resource_id: resourceId,
    parameter,
    value: resourceId
  })

/** 429 as X's v2 sends it. @internal */
export const tooManyRequests = () =>
  problem(429, { title: "Too Many Requests", detail: "Too Many Requests", type: "about:blank", status: 429 })

/** 500 internal error (also used by strict mode). @internal */
export const internalError = (detail = "Internal Server Error") =>
  problem(500, { title: "Internal Server Error", detail, type: `${PROBLEM_PREFIX}internal-error`, status: 500 })

/** 413 for a request body over the configured limit. @internal */
export const payloadTooLarge = (limit: number) =>
  problem(413, {
    title: "Payload Too Large",
    detail: `The request body exceeds the limit of ${limit} bytes.`,
    type: "about:blank",
    status: 413
  })

/** A v1.1 error body `{errors:[{code,message}]}`. @internal */
export const v1Error = (status: number, code: number, message: string) =>
  new HttpFailure({ status, body: { errors: [{ code, message }] }, contentType: "application/json; charset=utf-8" })

/** X's answer for an unknown route (the v1.1 code 34 body, which X also sends on v2 hosts). @internal */
export const routeNotFound = () => v1Error(404, 34, "Sorry, that page does not exist")
