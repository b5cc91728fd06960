/**
 * Runs the demo CLI for tests: as a subprocess (`cli`: the real `bin.ts` under tsx, nothing shared with the test
 * process but the environment given) or in this process (`inProcess`: same parsing, handlers and exit-code mapping
 * as `bin.ts`, recording what it prints; for the many cases that fail before any network call). Both start from a
 * clean environment, so no credentials leak in from the machine running the tests.
 */
import { Command } from "@effect/platform"
import { ConfigProvider, Effect, Stream } from "effect"
import * as Cli from "../../src/Cli.js"
import * as Main from "../../src/Main.js"

/** The repository root and the demo app's folder (with trailing slashes). */
export const root = new URL("../../../../", import.meta.url).pathname
export const demo = new URL("../../", import.meta.url).pathname

/** Credentials that must not leak in from the machine running the tests. */
export const cleanEnv = {
  X_ACCESS_TOKEN: "",
  X_REFRESH_TOKEN: "",
  X_CLIENT_ID: "",
  X_CLIENT_SECRET: "",
  X_CONSUMER_KEY: "",
  X_CONSUMER_SECRET: "",
  X_ACCESS_TOKEN_SECRET: "",
  X_TOKEN_FILE: "",
  NO_COLOR: "1"
}

/** What a run printed, and its exit code. */
export interface Result {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const collect = (stream: Stream.Stream<Uint8Array, unknown>) =>
  stream.pipe(Stream.decodeText(), Stream.runFold("", (acc, s) => acc + s))

/** The CLI as a subprocess with `args`, in the repository root, with `env` over the clean environment. */
export const cli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.scoped(
    Effect.gen(function*() {
      const proc = yield* Command.make(`${root}node_modules/.bin/tsx`, `${demo}src/bin.ts`, ...args).pipe(
        Command.workingDirectory(root),
        Command.env({ ...cleanEnv, ...env }),
        Command.start
      )
      const [stdout, stderr, code] = yield* Effect.all([collect(proc.stdout), collect(proc.stderr), proc.exitCode], {
        concurrency: 3
      })
      return { code: Number(code), stdout, stderr } satisfies Result
    })
  ).pipe(Effect.orDie)

/** The CLI in this process with `args` and `env` (over the clean environment), recording what it prints. */
export const inProcess = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    const err: Array<string> = []
    const base = yield* Effect.console
    const record = (into: Array<string>) => (...a: ReadonlyArray<unknown>) => Effect.sync(() => void into.push(a.join(" ")))
    const code = yield* Main.toExitCode(Cli.cli(["node", "xmedia", ...args])).pipe(
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ ...cleanEnv, ...env })))),
      Effect.withConsole({ ...base, log: record(out), error: record(err) })
    )
    return { code, stdout: out.join("\n"), stderr: err.join("\n") } satisfies Result
  })
