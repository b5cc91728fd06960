/**
 * `POST /2/oauth2/token` with `grant_type=refresh_token`: X's OAuth 2.0 token endpoint, as far as refreshing goes.
 *
 * - Body `application/x-www-form-urlencoded`: `grant_type=refresh_token`, `refresh_token`, `client_id`.
 * - A confidential client (an app with a `clientSecret`) must send HTTP Basic `client_id:client_secret`; without it
 *   (or with a wrong one) X answers 401 `unauthorized_client` "Missing valid authorization header". A public client
 *   sends `client_id` only (a Basic header naming the same client is accepted; its password is not checked).
 * - 200 `{token_type: "bearer", expires_in: 7200, access_token, scope, refresh_token}` with `Cache-Control: no-store`.
 *   The refresh token is used up (X rotates them); the access token it replaces keeps working until it expires.
 * - A used-up, unknown or another app's refresh token: 400
 *   `{"error":"invalid_request","error_description":"Value passed for the token was invalid."}`.
 * - A missing parameter: 400 `invalid_request` "Missing required parameter [<name>]."; an unknown `client_id`: 400
 *   `invalid_request` "Value passed for the client_id was invalid."; `grant_type=authorization_code` (the emulator
 *   has no authorize step, so no code is valid): 400 "Value passed for the authorization code was invalid."; any
 *   other grant type: 400 `unsupported_grant_type`.
 *
 * Never logs or journals a token: the journal records the operation (`oauth2.token`), the status and the user.
 *
 * @internal
 */
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { Settings } from "../../config.js"
import { update } from "../../context.js"
import type { OAuth2TokensService } from "../../oauth2Tokens.js"
import * as Body from "../body.js"
import * as Respond from "../respond.js"
import type { Route } from "../router.js"

/** An OAuth 2.0 error body (RFC 6749 §5.2), as X's token endpoint sends it. @internal */
export const oauthError = (status: number, error: string, description: string) =>
  new Respond.HttpFailure({
    status,
    body: { error, error_description: description },
    contentType: "application/json; charset=utf-8"
  })

const missing = (name: string) => oauthError(400, "invalid_request", `Missing required parameter [${name}].`)
const invalid = (what: string) => oauthError(400, "invalid_request", `Value passed for the ${what} was invalid.`)
const badClientAuth = () => oauthError(401, "unauthorized_client", "Missing valid authorization header")

const decodeFormPart = (s: string) => {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "))
  } catch {
    return s
  }
}

/**
 * The client credentials of an `Authorization: Basic` header (each part form-decoded, RFC 6749 §2.3.1); `undefined`
 * without one, `"malformed"` when it is not `id:secret` in base64.
 *
 * @internal
 */
export const basicCredentials = (
  authorization: string | undefined
): { readonly id: string; readonly secret: string } | "malformed" | undefined => {
  if (authorization === undefined) return undefined
  const [scheme = "", encoded = ""] = authorization.trim().split(/\s+/)
  if (scheme.toLowerCase() !== "basic") return undefined
  const decoded = Buffer.from(encoded, "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon < 0) return "malformed"
  return { id: decodeFormPart(decoded.slice(0, colon)), secret: decodeFormPart(decoded.slice(colon + 1)) }
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === "" ? undefined : value)

/**
 * The token endpoint's route, over the token store.
 *
 * @internal
 */
export const routes = (tokens: OAuth2TokensService): ReadonlyArray<Route> => [
  {
    method: "POST",
    path: "/2/oauth2/token",
    operation: "oauth2.token",
    api: "v2",
    auth: { _tag: "none" },
    handler: () =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const settings = yield* Settings
        const form: Record<string, string> = Body.contentTypeOf(request) === "application/x-www-form-urlencoded"
          ? yield* Body.readForm(settings.maxJsonBytes).pipe(
            Effect.mapError(() => Respond.payloadTooLarge(settings.maxJsonBytes))
          )
          : {}
        const grantType = nonEmpty(form["grant_type"])
        if (grantType === undefined) return yield* missing("grant_type")
        const basic = basicCredentials(request.headers["authorization"])
        if (basic === "malformed") return yield* badClientAuth()
        const clientId = nonEmpty(form["client_id"]) ?? basic?.id
        if (clientId === undefined) return yield* missing("client_id")
        if (basic !== undefined && basic.id !== clientId) return yield* badClientAuth()
        const app = settings.identities.apps.find((a) => a.clientId !== undefined && a.clientId === clientId)
        if (app === undefined) return yield* invalid("client_id")
        if (app.clientSecret !== undefined && (basic === undefined || basic.secret !== app.clientSecret)) {
          return yield* badClientAuth()
        }
        switch (grantType) {
          case "refresh_token": {
            const refreshToken = nonEmpty(form["refresh_token"])
            if (refreshToken === undefined) return yield* missing("refresh_token")
            const grant = yield* tokens.useRefreshToken(refreshToken, app.id)
            if (grant === undefined) return yield* invalid("token")
            yield* update((i) => ({ ...i, userId: grant.userId, appId: app.id }))
            const issued = yield* tokens.issue(grant)
            return HttpServerResponse.setHeaders(Respond.json(200, issued), {
              "cache-control": "no-store",
              pragma: "no-cache"
            })
          }
          case "authorization_code":
            if (nonEmpty(form["code"]) === undefined) return yield* missing("code")
            return yield* invalid("authorization code")
          default:
            return yield* oauthError(400, "unsupported_grant_type", "Value passed for the grant_type was invalid.")
        }
      })
  }
]
