/**
 * How the CLI fails, and the exit code contract: `0` success, `2` bad input (one line saying what to fix, nothing
 * uploaded), `1` an X-side failure (a typed message and what already exists on X).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The user's input cannot work: a missing file, a file that is not a video, an SRT with broken timestamps, a language
 * code that is not one, real-X mode without credentials. Raised before anything is uploaded. Exit code 2.
 *
 * @since 0.1.0
 */
export class BadInput extends Schema.TaggedError<BadInput>()("BadInput", {
  message: Schema.String
}) {}

/**
 * An X-side failure, rendered for people: what failed (`message`) and what exists on X now (`onX`, one line each).
 * Exit code 1.
 *
 * @since 0.1.0
 */
export class XSideFailure extends Schema.TaggedError<XSideFailure>()("XSideFailure", {
  message: Schema.String,
  onX: Schema.Array(Schema.String)
}) {}

/**
 * The exit codes of the CLI.
 *
 * @since 0.1.0
 */
export const ExitCode = {
  /** Everything worked. */
  Ok: 0,
  /** X (or the emulator) failed; the message says what exists on X. */
  XFailure: 1,
  /** The input cannot work; nothing was uploaded. */
  BadInput: 2
} as const
