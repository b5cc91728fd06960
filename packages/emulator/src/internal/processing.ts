/**
 * Async processing of video/GIF media: what `processing_info` says at a given time or poll count.
 *
 * The outcome (succeeded, or failed with `error`) is decided at FINALIZE from the bytes (or forced by a
 * `processingFailure` fault); the mode decides how the state travels there: `immediate`, `seconds` (via `Clock`), or
 * `polls` (after N STATUS calls). A failure may be reported as `in_progress` + `error` instead of `failed` (X has done
 * so), and a media item's `check_after_secs` may be left out altogether (the `omitCheckAfterSecs` fault).
 *
 * @internal
 */
import type { Ids } from "@xmedia/core"
import type { ProcessingError, ProcessingEvent, ProcessingRecord } from "./state/State.js"

/** `processing_info` as it appears on the wire. @internal */
export interface ProcessingInfo {
  readonly state: "pending" | "in_progress" | "succeeded" | "failed"
  readonly check_after_secs?: number
  readonly progress_percent?: number
  readonly error?: ProcessingError
}

/** Categories whose FINALIZE is asynchronous (X: a category was given and the media is video or animated GIF). @internal */
export const isAsyncCategory = (category: Ids.MediaCategory): boolean =>
  category === "tweet_video" || category === "amplify_video" || category === "dm_video" || category === "tweet_gif" ||
  category === "dm_gif"

/**
 * The end of processing. A failure reported `in_progress` stays there for good, at 99 % with the error, as observed
 * (node-twitter-api-v2#483: `{state:"in_progress", progress_percent:99, error:{code:1, name:"InvalidMedia"}}`); it
 * keeps the emulator's usual in-progress `check_after_secs: 1` (leave it out with the `omitCheckAfterSecs` fault).
 */
const done = (p: ProcessingRecord): ProcessingInfo => {
  const outcome = p.outcome
  if (outcome.state === "succeeded") return { state: "succeeded", progress_percent: 100 }
  return outcome.reportedAs === "in_progress"
    ? { state: "in_progress", check_after_secs: 1, progress_percent: 99, error: outcome.error }
    : { state: "failed", progress_percent: 100, error: outcome.error }
}

/** The `processing_info` of `p` at epoch ms `now` (without `check_after_secs` when `p.omitCheckAfterSecs`). @internal */
export const view = (p: ProcessingRecord, now: number): ProcessingInfo => {
  const info = byMode(p, now)
  if (p.omitCheckAfterSecs !== true || info.check_after_secs === undefined) return info
  const { check_after_secs: _omitted, ...rest } = info
  return rest
}

const byMode = (p: ProcessingRecord, now: number): ProcessingInfo => {
  const mode = p.mode
  switch (mode._tag) {
    case "immediate":
      return done(p)
    case "seconds": {
      const totalMs = Math.max(0, mode.seconds * 1000)
      const elapsed = now - p.startedAt
      if (elapsed >= totalMs) return done(p)
      const pendingMs = Math.min(1000, totalMs / 4)
      const remaining = Math.max(1, Math.ceil((totalMs - elapsed) / 1000))
      if (elapsed < pendingMs) {
        return { state: "pending", check_after_secs: Math.max(1, Math.ceil((pendingMs - elapsed) / 1000)) }
      }
      return {
        state: "in_progress",
        check_after_secs: Math.min(5, remaining),
        progress_percent: Math.min(99, Math.max(1, Math.floor((elapsed / totalMs) * 100)))
      }
    }
    case "polls": {
      if (p.polls >= mode.polls) return done(p)
      if (p.polls === 0) return { state: "pending", check_after_secs: 1 }
      return {
        state: "in_progress",
        check_after_secs: 1,
        progress_percent: Math.min(99, Math.max(1, Math.floor((p.polls / mode.polls) * 100)))
      }
    }
  }
}

/** Appends the observed state to the history when it changed. @internal */
export const observe = (p: ProcessingRecord, info: ProcessingInfo, now: number): ProcessingRecord => {
  const last = p.history[p.history.length - 1]
  if (last !== undefined && last.state === info.state && last.progress_percent === info.progress_percent) return p
  const event: ProcessingEvent = { state: info.state, at: now, progress_percent: info.progress_percent }
  return { ...p, history: [...p.history, event] }
}

/** Formats a duration the way X's processing errors do, e.g. `2.minutes+29.seconds+350.milliseconds`. @internal */
export const formatDuration = (ms: number): string => {
  const minutes = Math.floor(ms / 60000)
  const seconds = Math.floor((ms % 60000) / 1000)
  const millis = ms % 1000
  const parts: Array<string> = []
  if (minutes > 0) parts.push(`${minutes}.minutes`)
  if (seconds > 0 || minutes === 0) parts.push(`${seconds}.seconds`)
  if (millis > 0) parts.push(`${millis}.milliseconds`)
  return parts.join("+")
}

/** Max video duration (ms) by category, X's default-account figures (best practices). @internal */
export const maxDurationMs = (category: Ids.MediaCategory): number | undefined => {
  switch (category) {
    case "tweet_video":
    case "amplify_video":
      return 20 * 60 * 1000
    case "dm_video":
      return 140 * 1000
    default:
      return undefined
  }
}

/** Minimum video duration (ms): 0.5 s. @internal */
export const MIN_DURATION_MS = 500

/** Max `total_bytes` by category, X's default-account figures. @internal */
export const maxBytes = (category: Ids.MediaCategory): number => {
  switch (category) {
    case "tweet_image":
    case "dm_image":
      return 5 * 1024 * 1024
    case "tweet_gif":
    case "dm_gif":
      return 15 * 1024 * 1024
    case "tweet_video":
    case "amplify_video":
      return 8 * 1024 * 1024 * 1024
    case "dm_video":
      return 512 * 1024 * 1024
    case "subtitles":
      return 5 * 1024 * 1024
  }
}
