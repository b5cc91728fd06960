/**
 * Small helpers shared by the v2 routes: JSON bodies, `{data}` responses, partial not-found errors, media types.
 *
 * @internal
 */
import type { MediaRecord } from "../../state/State.js"
import { Effect } from "effect"
import { Settings } from "../../config.js"
import * as Body from "../body.js"
import * as Respond from "../respond.js"

/** `{data: value}` with `status`. @internal */
export const data = (status: number, value: unknown) => Respond.json(status, { data: value })

/** Reads a required JSON object body. @internal */
export const jsonObject = Effect.gen(function*() {
  const settings = yield* Settings
  const raw = yield* Body.readJson(settings.maxJsonBytes)
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return yield* Respond.invalidRequest(raw === undefined ? "Request body is required." : "Request body must be a JSON object.")
  }
  return raw as Record<string, unknown>
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
export const list = (raw: string | null): ReadonlyArray<string> =>
  raw === null ? [] : raw.split(",").map((s) => s.trim()).filter((s) => s !== "")

/** Checks a snowflake id. @internal */
export const isId = (s: unknown): s is string => typeof s === "string" && /^[0-9]{1,19}$/.test(s)
