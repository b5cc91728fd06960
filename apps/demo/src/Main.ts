/**
 * The program behind `bin.ts`: runs the CLI and turns every outcome into an exit code and at most a few lines on
 * stderr. `0` success; `2` bad input (one line saying what to fix; nothing was uploaded); `1` an X-side failure (a
 * typed message and what already exists on X).
 *
 * @since 0.1.0
 */
import { ValidationError } from "@effect/cli"
import { Cause, Console, Effect, Exit, Option } from "effect"
import { ExitCode } from "./Failure.js"

/**
 * A failure as the user sees it: the lines to print on stderr and the exit code.
 *
 * @since 0.1.0
 */
export interface Rendered {
  readonly lines: ReadonlyArray<string>
  readonly code: number
}

const tagged = (u: unknown): u is { readonly _tag: string; readonly message?: unknown } =>
  typeof u === "object" && u !== null && "_tag" in u && typeof (u as { _tag: unknown })._tag === "string"

/**
 * Maps a typed failure of any command to what is printed and the exit code.
 *
 * @since 0.1.0
 */
export const render = (error: unknown): Rendered => {
  if (ValidationError.isValidationError(error)) {
    // @effect/cli already printed what was wrong (or the help text).
    return { lines: [], code: ValidationError.isHelpRequested(error) ? ExitCode.Ok : ExitCode.BadInput }
  }
  if (!tagged(error)) return { lines: [`error: ${String(error)}`], code: ExitCode.XFailure }
  const message = typeof error.message === "string" ? error.message : String(error)
  switch (error._tag) {
    case "BadInput":
      return { lines: [`error: ${message}`], code: ExitCode.BadInput }
    case "InvalidInput": {
      // core's local validation (raised before any request)
      return { lines: [`error: ${message}`], code: ExitCode.BadInput }
    }
    case "XSideFailure": {
      const onX = (error as unknown as { readonly onX: ReadonlyArray<string> }).onX
      return {
        lines: [...`error: ${message}`.split("\n"), ...(onX.length === 0 ? ["on X: nothing was created"] : onX.map((l) => `on X: ${l}`))],
        code: ExitCode.XFailure
      }
    }
    default:
      return { lines: [`error (${error._tag}): ${message}`], code: ExitCode.XFailure }
  }
}

/**
 * Runs an effect (the CLI) and returns its exit code; prints failures on stderr. Unexpected defects print their
 * cause and give 1.
 *
 * @since 0.1.0
 */
export const toExitCode = <R>(self: Effect.Effect<void, unknown, R>): Effect.Effect<number, never, R> =>
  self.pipe(
    Effect.as(ExitCode.Ok as number),
    Effect.catchAllCause((cause) => {
      if (Cause.isInterruptedOnly(cause)) return Effect.succeed(130)
      const failure = Cause.failureOption(cause)
      const rendered: Rendered = Option.isSome(failure)
        ? render(failure.value)
        : { lines: [`unexpected error: ${Cause.pretty(cause)}`], code: ExitCode.XFailure }
      return Effect.forEach(rendered.lines, (line) => Console.error(line), { discard: true }).pipe(
        Effect.as(rendered.code)
      )
    })
  )

/**
 * `NodeRuntime.runMain`'s teardown: the program's number is the exit code.
 *
 * @since 0.1.0
 */
export const teardown = <E, A>(exit: Exit.Exit<E, A>, onExit: (code: number) => void): void => {
  if (Exit.isSuccess(exit)) onExit(typeof exit.value === "number" ? exit.value : 0)
  else onExit(Cause.isInterruptedOnly(exit.cause) ? 130 : 1)
}
