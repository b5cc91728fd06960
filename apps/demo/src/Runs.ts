/**
 * The CLI's record of runs, for `status` and `resume`: one JSON file per run under `<state dir>/runs/`, holding the
 * flows' inputs, the server used, and what each flow created on X (or how it failed and what exists).
 *
 * @since 0.1.0
 */
import { FileSystem, Path } from "@effect/platform"
import { Ids } from "@xmedia/core"
import { Clock, Effect, Option, Random, Schema } from "effect"
import type { XSideFailure } from "./Failure.js"
import type { Outcome } from "./Flows.js"
import type { FlowSpec } from "./Spec.js"

const Track = Schema.Struct({ file: Schema.String, language: Ids.LanguageCode, name: Schema.String })

const SpecSchema = Schema.Struct({
  name: Schema.String,
  kind: Schema.Literal("before", "after"),
  video: Schema.String,
  subtitles: Schema.Array(Track),
  altText: Schema.UndefinedOr(Schema.String),
  text: Schema.String
})

const OutcomeSchema = Schema.Struct({
  name: Schema.String,
  kind: Schema.Literal("before", "after"),
  postId: Ids.PostId,
  video: Schema.Struct({ id: Ids.MediaId, key: Ids.MediaKey }),
  tracks: Schema.Array(Schema.Struct({ language: Ids.LanguageCode, name: Schema.String, id: Ids.MediaId }))
})

/**
 * A recorded run.
 *
 * @since 0.1.0
 */
export const Run = Schema.Struct({
  id: Schema.String,
  createdAt: Schema.String,
  /** The API base URL the run used (an embedded emulator's URL is only valid during the run). */
  baseUrl: Schema.String,
  specs: Schema.Array(SpecSchema),
  outcomes: Schema.Array(OutcomeSchema),
  failures: Schema.Array(Schema.Struct({ message: Schema.String, onX: Schema.Array(Schema.String) })),
  finished: Schema.Boolean
})
/** @since 0.1.0 */
export type Run = typeof Run.Type

const RunJson = Schema.parseJson(Run, { space: 2 })

const fileOf = (stateDir: string, id: string) =>
  Effect.map(Path.Path, (path) => path.join(stateDir, "runs", `${id}.json`))

const save = (stateDir: string, run: Run) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    yield* fs.makeDirectory(path.join(stateDir, "runs"), { recursive: true })
    const text = yield* Schema.encode(RunJson)(run)
    yield* fs.writeFileString(yield* fileOf(stateDir, run.id), text)
  }).pipe(Effect.orDie)

/**
 * Records a new run (before any flow starts) and returns it.
 *
 * @since 0.1.0
 */
export const start = (stateDir: string, specs: ReadonlyArray<FlowSpec>, baseUrl: string) =>
  Effect.gen(function*() {
    const now = new Date(yield* Clock.currentTimeMillis)
    const suffix = (yield* Random.nextIntBetween(0, 36 ** 4)).toString(36).padStart(4, "0")
    const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-")
    const run: Run = {
      id: `${stamp}-${suffix}`,
      createdAt: now.toISOString(),
      baseUrl,
      specs: [...specs],
      outcomes: [],
      failures: [],
      finished: false
    }
    yield* save(stateDir, run)
    return run
  })

/**
 * Records the outcome of a run.
 *
 * @since 0.1.0
 */
export const finish = (
  stateDir: string,
  run: Run,
  outcomes: ReadonlyArray<Outcome>,
  failures: ReadonlyArray<XSideFailure>
) =>
  save(stateDir, {
    ...run,
    outcomes: [...outcomes],
    failures: failures.map((f) => ({ message: f.message, onX: [...f.onX] })),
    finished: failures.length === 0
  })

/**
 * Every recorded run, oldest first (an unreadable file is skipped).
 *
 * @since 0.1.0
 */
export const list = (stateDir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const dir = path.join(stateDir, "runs")
    if (!(yield* fs.exists(dir).pipe(Effect.orElseSucceed(() => false)))) return []
    const names = (yield* fs.readDirectory(dir).pipe(Effect.orElseSucceed(() => []))).filter((n) => n.endsWith(".json"))
    const runs = yield* Effect.forEach(names, (n) =>
      fs.readFileString(path.join(dir, n)).pipe(
        Effect.flatMap(Schema.decode(RunJson)),
        Effect.option
      ))
    return runs.flatMap(Option.toArray).sort((a, b) => a.createdAt.localeCompare(b.createdAt))
  })

/**
 * Lines describing a run (from the record; `status` then reads the live state from the API).
 *
 * @since 0.1.0
 */
export const describe = (run: Run): ReadonlyArray<string> => [
  `run ${run.id} (${run.createdAt}, ${run.baseUrl}): ${
    run.finished ? "finished" : run.failures.length > 0 ? "failed" : "not finished"
  }`,
  ...run.specs.map((s) => {
    const o = run.outcomes.find((x) => x.name === s.name)
    return o === undefined
      ? `  ${s.name} (${s.kind}-post): not finished: \`xmedia resume ${run.id}\` runs it again`
      : `  ${s.name} (${s.kind}-post): post ${o.postId}, video ${o.video.id} (${o.video.key}), subtitles ${
        o.tracks.length === 0 ? "none" : o.tracks.map((t) => `${t.language}=${t.id}`).join(" ")
      }`
  }),
  ...run.failures.flatMap((f) => [`  failed: ${f.message}`, ...f.onX.map((l) => `    on X: ${l}`)])
]
