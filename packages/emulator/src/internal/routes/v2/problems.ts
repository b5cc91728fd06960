/**
 * Maps surface-neutral failures (body, media) to X's v2 problem bodies.
 *
 * @internal
 */
import { Effect } from "effect"
import type { BodyError } from "../body.js"
import type { MediaProblem } from "../mediaOps.js"
import * as Respond from "../respond.js"

/** v2 error for a {@link BodyError}. @internal */
export const fromBody = (e: BodyError, expected = "application/json"): Respond.HttpFailure => {
  switch (e.reason) {
    case "NotJson":
      return Respond.invalidRequest("Request body is not valid JSON.")
    case "WrongContentType":
      return Respond.invalidRequest(
        expected === "application/json"
          ? "Requests with bodies must have content-type of application/json."
          : `Requests to this endpoint must have content-type of ${expected}.`
      )
    case "TooLarge": {
      const f = Respond.payloadTooLarge(e.limit ?? 0)
      return new Respond.HttpFailure({ ...f, headers: { connection: "close" } })
    }
    case "BrokenMultipart":
      return Respond.invalidRequest(`Request body is not valid multipart/form-data (${e.detail ?? "parse error"}).`)
    case "Io":
      return Respond.internalError()
  }
}

/** v2 error for a {@link MediaProblem}. @internal */
export const fromMedia = (e: MediaProblem): Respond.HttpFailure =>
  Respond.invalidRequest(e.message, e.value === undefined ? {} : { [e.param]: [e.value] })

/** Maps both failure kinds of an effect to v2 errors. @internal */
export const mapErrors = <A, R>(
  effect: Effect.Effect<A, BodyError | MediaProblem | Respond.HttpFailure, R>,
  expected?: string
): Effect.Effect<A, Respond.HttpFailure, R> =>
  Effect.mapError(effect, (e) =>
    e._tag === "BodyError" ? fromBody(e, expected) : e._tag === "MediaProblem" ? fromMedia(e) : e)
