/**
 * The handlers of the CLI's commands (parsing lives in `Cli.ts`).
 *
 * Each handler: resolves the target (credentials / `--base-url` / embedded emulator), checks every input locally
 * (bad input fails with exit code 2 before anything is uploaded), then talks to X through @xmedia/core and prints
 * what X reports.
 *
 * @since 0.1.0
 */
import { FileSystem, Path } from "@effect/platform"
import { Ids, MediaMetadata, MediaSubtitles, SubtitleFile, Uploader } from "@xmedia/core"
import { Emulator } from "@xmedia/emulator"
import { Engine, MediaOpsLive, Runner } from "@xmedia/workflows"
import { Console, Effect, Layer, Option, Schema } from "effect"
import { Connection } from "./Connection.js"
import * as ConnectionLayer from "./Connection.js"
import * as Credentials from "./Credentials.js"
import { BadInput, XSideFailure } from "./Failure.js"
import * as FlowFiles from "./FlowFiles.js"
import * as Flows from "./Flows.js"
import * as Inputs from "./Inputs.js"
import * as Progress from "./Progress.js"
import * as Runs from "./Runs.js"
import type { FlowSpec } from "./Spec.js"
import * as Spec from "./Spec.js"
import * as Summary from "./Summary.js"

/**
 * The flags every command that talks to X takes.
 *
 * @since 0.1.0
 */
export interface ConnectionFlags {
  readonly baseUrl: Option.Option<string>
  readonly realX: boolean
  readonly plain: boolean
  readonly keep: boolean
  readonly stateDir: string
  /** `--token-file`: where OAuth 2.0 tokens are kept between runs (else `X_TOKEN_FILE`). */
  readonly tokenFile: Option.Option<string>
}

/**
 * Runs `body` against the flags' target, with `Progress` and the `XClient`. Prints which server is used first.
 * With `--keep` on the embedded emulator it then waits for Ctrl-C.
 */
const withTarget = <A, E extends { readonly _tag: string; readonly message: string }, R>(
  flags: ConnectionFlags,
  body: Effect.Effect<A, E, R>,
  onX: ReadonlyArray<string> = []
) =>
  Effect.gen(function*() {
    const target = yield* Credentials.resolve({ baseUrl: flags.baseUrl, realX: flags.realX, tokenFile: flags.tokenFile })
      .pipe(Effect.flatMap(Credentials.loadTokenFile))
    return yield* Effect.gen(function*() {
      const connection = yield* Connection
      const progress = yield* Progress.Progress
      yield* progress.line(Credentials.describe(target, connection.baseUrl))
      const result = yield* body
      if (flags.keep && connection.webUrl !== undefined) {
        yield* progress.line(`--keep: the emulator stays up at ${connection.baseUrl}; see ${connection.webUrl}. Ctrl-C to stop.`)
        return yield* Effect.never
      }
      return result
    }).pipe(
      Effect.provide(Layer.mergeAll(
        engineLayer(flags, target).pipe(Layer.provideMerge(ConnectionLayer.layer(target))),
        flags.plain ? Progress.layerPlain : Progress.layer
      )),
      Effect.mapError((e): BadInput | XSideFailure => toFailure(e, onX))
    )
  })

/**
 * The flow engine: in memory for the embedded emulator (its state ends with the process anyway), otherwise durable
 * on SQLite in the state directory so `resume` continues a run in a later process.
 */
const engineLayer = (flags: ConnectionFlags, target: Credentials.Target) =>
  Effect.gen(function*() {
    if (target._tag === "Embedded") return Engine.layerMemory
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    yield* fs.makeDirectory(flags.stateDir, { recursive: true }).pipe(Effect.orDie)
    return Engine.layerSqlite({ filename: path.join(flags.stateDir, "flows.db") }).pipe(Layer.orDie)
  }).pipe(
    Layer.unwrapEffect,
    (engine) => Runner.layer.pipe(Layer.provideMerge(engine), Layer.provide(MediaOpsLive.layer))
  )

/**
 * Maps any failure of a command body to the CLI's two failure kinds: core's local validation (`InvalidInput`) is bad
 * input (exit 2); anything else is an X-side failure (exit 1) with `onX` as what exists on X.
 */
const toFailure = (e: { readonly _tag: string; readonly message: string }, onX: ReadonlyArray<string>) =>
  e instanceof BadInput || e instanceof XSideFailure
    ? e
    : e._tag === "InvalidInput"
    ? new BadInput({ message: e.message })
    : new XSideFailure({ message: `${e._tag}: ${e.message}`, onX })

const assets = Effect.gen(function*() {
  const path = yield* Path.Path
  const here = yield* path.fromFileUrl(new URL(".", import.meta.url)).pipe(Effect.orDie)
  return (name: string) => path.join(here, "..", "assets", name)
})

/**
 * Runs flows (already checked), records the run, prints the summary read back from the API; fails with
 * `XSideFailure` if any flow failed (after the others finished).
 */
const runAndReport = (
  flags: ConnectionFlags,
  specs: ReadonlyArray<FlowSpec>,
  concurrency: number,
  resumed?: Runs.Run
) =>
  Effect.gen(function*() {
    const progress = yield* Progress.Progress
    const connection = yield* Connection
    const run = resumed ?? (yield* Runs.start(flags.stateDir, specs, connection.baseUrl))
    yield* progress.line(
      `${resumed === undefined ? "run" : "resuming run"} ${run.id}: ${specs.length} flow${specs.length === 1 ? "" : "s"}`
    )
    const results = yield* Effect.forEach(
      specs,
      (spec) => Effect.either(Flows.run(spec, `${run.id}/${spec.name}`)),
      { concurrency }
    )
    yield* progress.flush
    const outcomes = results.flatMap((r) => (r._tag === "Right" ? [r.right] : []))
    const failures = results.flatMap((r) => (r._tag === "Left" ? [r.left] : []))
    yield* Runs.finish(
      flags.stateDir,
      run,
      [...run.outcomes.filter((o) => !outcomes.some((n) => n.name === o.name)), ...outcomes],
      failures
    )
    if (outcomes.length > 0) {
      const lines = yield* Summary.readBack(outcomes)
      yield* Effect.forEach(lines, (l) => Console.log(l), { discard: true })
    }
    if (connection.webUrl !== undefined && outcomes.length > 0) {
      yield* Console.log(`See it: ${connection.webUrl}${flags.keep ? "" : " (run with --keep to keep the emulator up)"}`)
    }
    if (failures.length > 0) {
      return yield* new XSideFailure({
        message: failures.length === 1
          ? failures[0]!.message
          : `${failures.length} of ${specs.length} flows failed:\n${failures.map((f) => `  ${f.message}`).join("\n")}`,
        onX: [
          ...failures.flatMap((f) => f.onX),
          connection.target._tag === "Embedded"
            ? "the embedded emulator stops with this command: its media and posts are gone"
            : `to finish the failed flows (finished steps are reused): xmedia resume ${run.id}${
              connection.target.via === "base-url" ? ` --base-url ${connection.baseUrl}` : ""
            }${flags.stateDir === ".xmedia" ? "" : ` --state-dir ${flags.stateDir}`}`
        ]
      })
    }
  })

/**
 * The demo: both subtitle flows on the bundled sample video with English and French captions.
 *
 * @since 0.1.0
 */
export const demo = (flags: ConnectionFlags) =>
  Effect.gen(function*() {
    const asset = yield* assets
    const tracks = yield* Effect.forEach(
      [`${asset("captions.en.srt")}:en:English`, `${asset("captions.fr.srt")}:fr:Français`],
      Inputs.parseSubtitleSpec
    )
    const specs: ReadonlyArray<FlowSpec> = [
      {
        name: "before-post",
        kind: "before",
        video: asset("video.mp4"),
        subtitles: tracks,
        altText: "A three-second test clip: a colour pattern with a tone",
        text: "xmedia demo: subtitles added before posting"
      },
      {
        name: "after-post",
        kind: "after",
        video: asset("video.mp4"),
        subtitles: tracks,
        altText: undefined,
        text: "xmedia demo: subtitles added after posting"
      }
    ]
    const checked = yield* Effect.forEach(specs, Spec.check)
    yield* withTarget(flags, runAndReport(flags, checked, 2))
  })

/**
 * `post <video> --subtitles ... --alt --text --flow`.
 *
 * @since 0.1.0
 */
export const post = (
  config: ConnectionFlags & {
    readonly video: string
    readonly subtitles: ReadonlyArray<string>
    readonly alt: Option.Option<string>
    readonly text: Option.Option<string>
    readonly flow: "before" | "after"
  }
) =>
  Effect.gen(function*() {
    const tracks = yield* Effect.forEach(config.subtitles, Inputs.parseSubtitleSpec)
    const spec = yield* Spec.check({
      name: config.flow === "before" ? "before-post" : "after-post",
      kind: config.flow,
      video: config.video,
      subtitles: tracks,
      altText: Option.getOrUndefined(config.alt),
      text: Option.getOrElse(config.text, () => "")
    })
    yield* withTarget(config, runAndReport(config, [spec], 1))
  })

/**
 * `run <flow file>... --concurrency n`: every file is decoded and checked before any flow starts.
 *
 * @since 0.1.0
 */
export const runFiles = (config: ConnectionFlags & { readonly files: ReadonlyArray<string>; readonly concurrency: number }) =>
  Effect.gen(function*() {
    if (config.concurrency < 1) return yield* Inputs.bad("--concurrency must be at least 1")
    const specs = yield* Effect.forEach(config.files, FlowFiles.load)
    const checked = yield* Effect.forEach(specs, Spec.check)
    yield* withTarget(config, runAndReport(config, checked, config.concurrency))
  })

/**
 * `status [run id]`: recorded runs, and what exists on X for them (read back from the API when reachable).
 *
 * @since 0.1.0
 */
export const status = (config: ConnectionFlags & { readonly runId: Option.Option<string> }) =>
  Effect.gen(function*() {
    const runs = yield* Runs.list(config.stateDir)
    const selected = Option.match(config.runId, {
      onNone: () => runs,
      onSome: (id) => runs.filter((r) => r.id === id)
    })
    if (Option.isSome(config.runId) && selected.length === 0) {
      return yield* Inputs.bad(`no run ${config.runId.value} in ${config.stateDir}: run \`xmedia status\` to list them`)
    }
    if (selected.length === 0) {
      yield* Console.log(`no runs recorded in ${config.stateDir}`)
      return
    }
    for (const run of selected) yield* Effect.forEach(Runs.describe(run), (l) => Console.log(l), { discard: true })
    const target = yield* Credentials.resolve({ baseUrl: config.baseUrl, realX: config.realX })
    if (target._tag === "Embedded") {
      yield* Console.log(
        "(these runs used an embedded emulator, which is gone now: pass --base-url or credentials to read a live server)"
      )
      return
    }
    const live = selected.flatMap((r) => (r.baseUrl === Credentials.baseUrlOf(target) ? r.outcomes : []))
    if (live.length > 0) {
      yield* withTarget(
        config,
        Summary.readBack(live).pipe(Effect.flatMap((ls) => Effect.forEach(ls, (l) => Console.log(l), { discard: true })))
      )
    }
  })

/**
 * `resume <run id>`: runs the flows of a recorded run that did not finish again. Steps whose media still exists
 * on X are not redone (see `Runs`).
 *
 * @since 0.1.0
 */
export const resume = (config: ConnectionFlags & { readonly runId: string }) =>
  Effect.gen(function*() {
    const runs = yield* Runs.list(config.stateDir)
    const run = runs.find((r) => r.id === config.runId)
    if (run === undefined) {
      return yield* Inputs.bad(`no run ${config.runId} in ${config.stateDir}: run \`xmedia status\` to list them`)
    }
    const pending = run.specs.filter((s) => !run.outcomes.some((o) => o.name === s.name))
    if (pending.length === 0) {
      yield* Console.log(`run ${run.id} already finished: nothing to resume`)
      return
    }
    const target = yield* Credentials.resolve({ baseUrl: config.baseUrl, realX: config.realX })
    const url = Credentials.baseUrlOf(target)
    if (url !== run.baseUrl) {
      return yield* Inputs.bad(
        run.baseUrl.startsWith("http://127.0.0.1")
          ? `run ${run.id} used the emulator at ${run.baseUrl}: pass --base-url ${run.baseUrl} (an embedded emulator is gone once its command ends)`
          : `run ${run.id} used ${run.baseUrl}: set the same credentials${run.baseUrl === Credentials.X_BASE_URL ? "" : ` and --base-url ${run.baseUrl}`}`
      )
    }
    const checked = yield* Effect.forEach(pending, Spec.check)
    yield* withTarget(config, runAndReport(config, checked, 4, run))
  })

/**
 * `subtitles add <media id> <file:LANG[:name]>`.
 *
 * @since 0.1.0
 */
export const subtitlesAdd = (
  config: ConnectionFlags & {
    readonly mediaId: string
    readonly track: string
    readonly category: Ids.SubtitleVideoCategory
  }
) =>
  Effect.gen(function*() {
    const mediaId = yield* parseMediaId(config.mediaId)
    const track = yield* Inputs.parseSubtitleSpec(config.track)
    yield* Inputs.checkSubtitleFile(track)
    yield* withTarget(
      config,
      Effect.gen(function*() {
        const progress = yield* Progress.Progress
        const label = track.file.split(/[\\/]/).pop() ?? track.file
        const uploaded = yield* Uploader.uploadFile(track.file, {
          mediaCategory: "subtitles",
          onProgress: (e) => progress.emit(Flows.toProgress(label, e))
        })
        yield* progress.flush
        const res = yield* MediaSubtitles.create({
          id: mediaId,
          media_category: config.category,
          subtitles: { id: uploaded.mediaId, language_code: track.language, display_name: track.name }
        }).pipe(
          Effect.mapError((e) =>
            new XSideFailure({
              message: `associating ${track.language} subtitles with video ${mediaId} failed: ${e._tag}: ${e.message}`,
              onX: [`subtitle file uploaded as media ${uploaded.mediaId} (not associated)`]
            })
          )
        )
        yield* Console.log(`video ${res.data.id}: subtitle tracks ${formatTracks(res.data.associated_subtitles)}`)
      })
    )
  })

/**
 * `subtitles remove <media id> <LANG>`.
 *
 * @since 0.1.0
 */
export const subtitlesRemove = (
  config: ConnectionFlags & {
    readonly mediaId: string
    readonly language: string
    readonly category: Ids.SubtitleVideoCategory
  }
) =>
  Effect.gen(function*() {
    const mediaId = yield* parseMediaId(config.mediaId)
    const language = yield* SubtitleFile.normalizeLanguage(config.language).pipe(
      Effect.mapError((e) => new BadInput({ message: e.message }))
    )
    yield* withTarget(
      config,
      MediaSubtitles.remove({ id: mediaId, media_category: config.category, language_code: language }).pipe(
        Effect.flatMap((res) =>
          Console.log(
            res.data.deleted
              ? `video ${mediaId}: ${language} subtitles removed`
              : `video ${mediaId}: X did not remove ${language} subtitles`
          )
        )
      ),
      [`video ${mediaId}: the ${language} track was not confirmed removed (run the command again: removing is idempotent)`]
    )
  })

/**
 * `metadata set <media id> --alt <text>`.
 *
 * @since 0.1.0
 */
export const metadataSet = (config: ConnectionFlags & { readonly mediaId: string; readonly alt: string }) =>
  Effect.gen(function*() {
    const mediaId = yield* parseMediaId(config.mediaId)
    yield* Inputs.checkAltText(config.alt)
    yield* withTarget(
      config,
      MediaMetadata.create({ id: mediaId, metadata: { alt_text: { text: config.alt } } }).pipe(
        Effect.flatMap(() => Console.log(`media ${mediaId}: alt text set`))
      ),
      [`media ${mediaId}: alt text not confirmed (run the command again: setting it is idempotent)`]
    )
  })

/**
 * `emulator --port n`: runs the emulator alone until interrupted.
 *
 * @since 0.1.0
 */
export const emulator = (config: { readonly port: number }) =>
  Effect.gen(function*() {
    if (config.port < 0 || config.port > 65535) return yield* Inputs.bad("--port must be between 0 and 65535")
    return yield* Effect.gen(function*() {
      const emu = yield* Emulator.Emulator
      yield* Console.log(`listening on ${emu.url}`)
      yield* Console.log(`web page: ${emu.url}/_emulator/`)
      yield* Console.log(`dev identity: user 1000000000000000001 (@xmedia_dev), OAuth 2.0 token ${Credentials.DEV_TOKEN}`)
      return yield* Effect.never
    }).pipe(Effect.provide(Emulator.layer({ port: config.port })))
  })

const parseMediaId = (input: string) =>
  Schema.decodeUnknown(Ids.MediaId)(input).pipe(
    Effect.mapError(() =>
      new BadInput({ message: `"${input}" is not a media id: give the decimal id X returned, e.g. 1880028106020515840` })
    )
  )

const formatTracks = (
  tracks:
    | ReadonlyArray<{ readonly language_code?: string | undefined; readonly display_name?: string | undefined }>
    | undefined
) =>
  tracks === undefined || tracks.length === 0
    ? "(none)"
    : tracks.map((t) => `${t.language_code ?? "?"} "${t.display_name ?? ""}"`).join(", ")
