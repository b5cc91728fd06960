/**
 * `pnpm emulator -- --port <p> [--data-dir <d>] [--config <f>] [--strict] [--processing immediate|seconds:N|polls:N]`
 *
 * Prints `listening on http://127.0.0.1:<port>` once ready; SIGINT/SIGTERM shut it down cleanly (a temporary data
 * directory is removed; `--data-dir` keeps state across restarts).
 *
 * @since 0.1.0
 */
import { FileSystem } from "@effect/platform"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer } from "effect"
import * as Emulator from "./Emulator.js"
import * as Identities from "./Identities.js"

const usage =
  "usage: emulator [--port <p>] [--data-dir <dir>] [--config <file.json>] [--strict] [--processing immediate|seconds:N|polls:N]"

const parseArgs = (argv: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const opts: { port?: number; dataDir?: string; config?: string; strict?: boolean; processing?: Emulator.ProcessingMode } = {}
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!
      const next = () => {
        const v = argv[++i]
        return v === undefined ? Effect.fail(`${a} needs a value\n${usage}`) : Effect.succeed(v)
      }
      switch (a) {
        case "--":
          break
        case "--port": {
          const p = Number(yield* next())
          if (!Number.isInteger(p) || p < 0 || p > 65535) return yield* Effect.fail(`--port must be 0..65535\n${usage}`)
          opts.port = p
          break
        }
        case "--data-dir":
          opts.dataDir = yield* next()
          break
        case "--config":
          opts.config = yield* next()
          break
        case "--strict":
          opts.strict = true
          break
        case "--processing": {
          const v = yield* next()
          const [kind, n] = v.split(":")
          if (kind === "immediate") opts.processing = Emulator.immediate
          else if (kind === "seconds" && Number(n) >= 0) opts.processing = Emulator.seconds(Number(n))
          else if (kind === "polls" && Number.isInteger(Number(n))) opts.processing = Emulator.afterPolls(Number(n))
          else return yield* Effect.fail(`--processing must be immediate, seconds:N or polls:N\n${usage}`)
          break
        }
        case "--help":
        case "-h":
          return yield* Effect.fail(usage)
        default:
          return yield* Effect.fail(`unknown argument ${a}\n${usage}`)
      }
    }
    return opts
  })

const main = Effect.gen(function*() {
  const opts = yield* parseArgs(process.argv.slice(2))
  const fs = yield* FileSystem.FileSystem
  const config = opts.config === undefined
    ? undefined
    : yield* Identities.parseConfig(yield* fs.readFileString(opts.config)).pipe(
      Effect.mapError((e) => `--config ${opts.config}: ${e.message}`)
    )
  const layer = Emulator.layer({
    port: opts.port ?? 0,
    dataDir: opts.dataDir,
    identities: config?.identities ?? Identities.dev,
    faults: config?.faults,
    faultsSeed: config?.faultsSeed,
    rateLimitOverrides: config?.rateLimitOverrides,
    strict: opts.strict,
    processing: opts.processing
  })
  return yield* Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    yield* Console.log(`listening on ${emulator.url}`)
    return yield* Effect.never
  }).pipe(Effect.provide(layer))
}).pipe(
  Effect.catchAll((e) =>
    Console.error(typeof e === "string" ? e : String(e)).pipe(
      Effect.zipRight(Effect.sync(() => {
        process.exitCode = 2
      }))
    )
  ),
  Effect.provide(Layer.mergeAll(NodeContext.layer))
)

NodeRuntime.runMain(main)
