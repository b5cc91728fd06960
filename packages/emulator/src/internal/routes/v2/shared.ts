/**
 * Small helpers shared by the v2 routes: JSON bodies, `{data}` responses, partial not-found errors, media types.
 *
 * @internal
 */
import type { MediaRecord } from "../../state/State.js"
import { Effect, ParseResult, Schema } from "effect"
import { Settings } from "../../config.js"
import * as Body from "../body.js"
import * as FormFields from "../formFields.js"
import * as Respond from "../respond.js"

/** `{data: value}` with `status`. @internal */
export const data = (status: number, value: unknown) => Respond.json(status, { data: value })

/** A plain JSON object (not null, not an array). @internal */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  u !== null && typeof u === "object" && !Array.isArray(u)

/** Reads a required JSON object body. @internal */
export const jsonObject = Effect.gen(function*() {
  const settings = yield* Settings
  const raw = yield* Body.readJson(settings.maxJsonBytes)
  if (!isRecord(raw)) {
    return yield* Respond.invalidRequest(raw === undefined ? "Request body is required." : "Request body must be a JSON object.")
  }
  return raw
})

/** A partial-error entry for a resource that was not found. @internal */
export const notFoundError = (resourceType: string, parameter: string, value: string) => ({
  value,
  detail: `Could not find ${resourceType === "media" ? "media" : resourceType} with ${parameter}: [${value}].`,
  title: "Not Found Error",
  resource_type: resourceType,
  parameter,
  resource_id: value,
  type: `${Respond.PROBLEM_PREFIX}resource-not-found`
})

/** The `type` of a media item in v2 lookups: photo, animated_gif, video (subtitles have none in X's vocabulary). @internal */
export const mediaTypeName = (m: MediaRecord): string => {
  switch (m.category) {
    case "tweet_gif":
    case "dm_gif":
      return "animated_gif"
    case "tweet_video":
    case "dm_video":
    case "amplify_video":
      return "video"
    case "subtitles":
      return "subtitles"
    default:
      return "photo"
  }
}

/** Splits a comma-separated query list. @internal */
export const list = (raw: string | null): ReadonlyArray<string> => raw === null ? [] : FormFields.splitCommas(raw)

/** Checks a snowflake id. @internal */
export const isId = (s: unknown): s is string => typeof s === "string" && /^[0-9]{1,19}$/.test(s)

/** The wording of one decode issue: X's validator phrases for missing and unexpected keys, else the schema's message. */
const issueWording = (issue: ParseResult.ArrayFormatterIssue): string =>
  issue._tag === "Missing"
    ? "is missing but it is required"
    : issue._tag === "Unexpected"
    ? "is not defined in the schema and the schema does not allow additional properties"
    : issue.message

const valueAt = (body: unknown, path: ReadonlyArray<PropertyKey>): unknown =>
  path.reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<PropertyKey, unknown>)[k] : undefined), body)

/** The longest prefix of `path` that exists in `body` (every key but the last may be a missing one). */
const sentPath = (body: unknown, path: ReadonlyArray<PropertyKey>): ReadonlyArray<PropertyKey> => {
  let o: unknown = body
  for (let i = 0; i < path.length; i++) {
    if (o === null || typeof o !== "object") return path.slice(0, i)
    o = (o as Record<PropertyKey, unknown>)[path[i]!]
  }
  return path
}

/**
 * Decodes a v2 request body with a request Schema (core's, or a wire schema built from core's pieces), refusing
 * unknown keys unless `excess` is `"ignore"`. A failure becomes X's `invalid-request` problem: `errors[0].message`
 * is `$.<path>: <reason>` and `errors[0].parameters` names the path with the offending value (X documents this
 * envelope; the reason's wording is the schema's, see docs/emulator.md).
 *
 * @internal
 */
export const decodeV2 = <A, I>(
  schema: Schema.Schema<A, I>,
  body: unknown,
  options?: { readonly excess?: "error" | "ignore" }
): Effect.Effect<A, Respond.HttpFailure> =>
  Schema.decodeUnknown(schema, { onExcessProperty: options?.excess ?? "error", errors: "first" })(body).pipe(
    Effect.mapError((e) => {
      const issue = ParseResult.ArrayFormatter.formatErrorSync(e)[0]
      if (issue === undefined) return Respond.invalidRequest("Invalid request body.")
      // The path into the body as sent: a transformed value (a comma-separated string decoded to a list) is named
      // by its own key, as X's validator names the parameter it got.
      const path = sentPath(body, issue.path)
      const param = path.map(String).join(".")
      const value = valueAt(body, path)
      return Respond.invalidRequest(
        `${param === "" ? "$" : `$.${param}`}: ${issueWording(issue)}`,
        param === "" ? {} : { [param]: [value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value)] }
      )
    })
  )
