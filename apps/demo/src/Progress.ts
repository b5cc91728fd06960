/**
 * Live progress for the demo and the CLI: upload bars, processing percent and the step list.
 *
 * A `Progress` service sits on `@effect/platform`'s `Terminal`. On a TTY it keeps a small live region at the bottom
 * of the screen (one bar per upload or processing media) and redraws it in place with ANSI escapes, while finished
 * steps scroll above it. Without a TTY (CI, pipes) it prints plain, append-only lines and no escape codes.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Progress } from "./Progress.js"
 *
 * const program = Effect.gen(function*() {
 *   const progress = yield* Progress.Progress
 *   yield* progress.emit(Progress.Event.Bytes({ label: "video.mp4", sent: 512, total: 1024 }))
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Terminal } from "@effect/platform"
import { Context, Data, Effect, Layer, Ref } from "effect"

/**
 * What can be shown: a step starting/finishing/failing, bytes sent, processing progress, a wait or retry, or a line.
 *
 * @since 0.1.0
 */
export type Event = Data.TaggedEnum<{
  /** A step of a flow changed state. */
  Step: {
    readonly flow: string
    readonly step: string
    readonly status: "started" | "finished" | "failed"
    readonly detail?: string | undefined
  }
  /** Bytes of an upload acknowledged by X. */
  Bytes: { readonly label: string; readonly sent: number; readonly total: number }
  /** X is processing a media. */
  Processing: { readonly label: string; readonly state: string; readonly percent?: number | undefined }
  /** Waiting or retrying, with the reason. */
  Waiting: { readonly label: string; readonly reason: string; readonly seconds?: number | undefined }
  /** A free-form informational line. */
  Info: { readonly text: string }
}>

/**
 * Constructors for {@link Event}: `Event.Step({...})`, `Event.Bytes({...})`, ...
 *
 * @since 0.1.0
 */
export const Event = Data.taggedEnum<Event>()

/**
 * The progress renderer.
 *
 * @since 0.1.0
 */
export interface Renderer {
  /** Whether bars are redrawn in place (TTY) or printed as plain lines. */
  readonly interactive: boolean
  /** Show one event. */
  readonly emit: (event: Event) => Effect.Effect<void>
  /** Print a permanent line (above the live region on a TTY). */
  readonly line: (text: string) => Effect.Effect<void>
  /** Close every live bar (call before printing a summary). */
  readonly flush: Effect.Effect<void>
}

/**
 * The `Progress` service tag.
 *
 * @since 0.1.0
 */
export class Progress extends Context.Tag("@xmedia/demo/Progress")<Progress, Renderer>() {}

/** @internal */
interface Bar {
  readonly label: string
  readonly text: string
  readonly done: boolean
}

/** @internal */
interface State {
  readonly bars: ReadonlyArray<Bar>
  /** Lines of the live region currently on screen (TTY only). */
  readonly drawn: number
  /** Last plain-mode line per label, to avoid printing the same line twice. */
  readonly lastPlain: ReadonlyMap<string, string>
}

const BAR_WIDTH = 20

/**
 * Formats a byte count for people: `512 B`, `23.4 KB`, `1.5 MB`.
 *
 * @since 0.1.0
 */
export const formatBytes = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`

/**
 * A text bar: `[██████░░░░]  60%`.
 *
 * @since 0.1.0
 */
export const bar = (fraction: number, width = BAR_WIDTH): string => {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0))
  const full = Math.round(f * width)
  return `[${"█".repeat(full)}${"░".repeat(width - full)}] ${String(Math.round(f * 100)).padStart(3)}%`
}

const stepMark = (status: "started" | "finished" | "failed") =>
  status === "started" ? "▸" : status === "finished" ? "✔" : "✘"

/**
 * The plain line an event prints without a TTY (`undefined` = nothing to print).
 *
 * @since 0.1.0
 */
export const plainLine = (event: Event): string =>
  Event.$match(event, {
    Step: ({ detail, flow, status, step }) =>
      `[${flow}] ${status === "started" ? "start " : status === "finished" ? "done  " : "FAILED"} ${step}${
        detail ? `: ${detail}` : ""
      }`,
    Bytes: ({ label, sent, total }) =>
      `upload ${label}: ${formatBytes(sent)} / ${formatBytes(total)} (${
        total === 0 ? 100 : Math.round((sent / total) * 100)
      }%)`,
    Processing: ({ label, percent, state }) =>
      `processing ${label}: ${state}${percent === undefined ? "" : ` ${Math.round(percent)}%`}`,
    Waiting: ({ label, reason, seconds }) =>
      `waiting ${label}: ${reason}${seconds === undefined ? "" : ` (${seconds}s)`}`,
    Info: ({ text }) => text
  })

const barText = (event: Event): Bar | undefined =>
  Event.$match(event, {
    Step: () => undefined,
    Info: () => undefined,
    Bytes: ({ label, sent, total }) => ({
      label,
      done: false,
      text: `⇡ ${label.padEnd(34).slice(0, 34)} ${bar(total === 0 ? 1 : sent / total)} ${formatBytes(sent)}/${
        formatBytes(total)
      }`
    }),
    Processing: ({ label, percent, state }) => ({
      label,
      done: state === "succeeded" || state === "failed",
      text: `⚙ ${label.padEnd(34).slice(0, 34)} ${bar((percent ?? (state === "succeeded" ? 100 : 0)) / 100)} ${state}`
    }),
    Waiting: ({ label, reason, seconds }) => ({
      label,
      done: false,
      text: `⏳ ${label.padEnd(33).slice(0, 33)} ${reason}${seconds === undefined ? "" : ` (${seconds}s)`}`
    })
  })

/**
 * Builds a renderer writing through a `Terminal`. `interactive` forces the mode (default: the terminal's `isTTY`).
 *
 * @since 0.1.0
 */
export const make = (options?: { readonly interactive?: boolean | undefined }) =>
  Effect.gen(function*() {
    const terminal = yield* Terminal.Terminal
    const interactive = options?.interactive ?? (yield* terminal.isTTY)
    const state = yield* Ref.make<State>({ bars: [], drawn: 0, lastPlain: new Map() })
    const lock = yield* Effect.makeSemaphore(1)
    const write = (text: string) => terminal.display(text).pipe(Effect.orElse(() => Effect.void))

    // TTY: erase the live region, print the permanent lines, redraw the live region.
    const redraw = (permanent: ReadonlyArray<string>, update: (bars: ReadonlyArray<Bar>) => ReadonlyArray<Bar>) =>
      Effect.gen(function*() {
        const s = yield* Ref.get(state)
        const bars = update(s.bars)
        const erase = s.drawn > 0 ? `\x1b[${s.drawn}A\r\x1b[0J` : ""
        const live = bars.map((b) => `${b.text}\n`).join("")
        yield* write(`${erase}${permanent.map((l) => `${l}\n`).join("")}${live}`)
        yield* Ref.set(state, { ...s, bars, drawn: bars.length })
      })

    const upsert = (b: Bar) => (bars: ReadonlyArray<Bar>): ReadonlyArray<Bar> =>
      bars.some((x) => x.label === b.label) ? bars.map((x) => (x.label === b.label ? b : x)) : [...bars, b]

    const plain = (key: string, text: string) =>
      Effect.gen(function*() {
        const s = yield* Ref.get(state)
        if (s.lastPlain.get(key) === text) return
        yield* Ref.set(state, { ...s, lastPlain: new Map(s.lastPlain).set(key, text) })
        yield* write(`${text}\n`)
      })

    const line = (text: string) =>
      lock.withPermits(1)(interactive ? redraw([text], (bars) => bars) : write(`${text}\n`))

    const emit = (event: Event): Effect.Effect<void> =>
      lock.withPermits(1)(
        interactive
          ? Effect.suspend(() => {
            const b = barText(event)
            if (b === undefined) {
              return redraw([`${event._tag === "Step" ? `${stepMark(event.status)} ` : ""}${plainLine(event)}`], (x) => x)
            }
            return redraw([], upsert(b))
          })
          : event._tag === "Step" || event._tag === "Info"
          ? write(`${plainLine(event)}\n`)
          : plain(`${event._tag}:${event.label}`, plainLine(event))
      )

    const flush = lock.withPermits(1)(
      interactive
        ? Effect.gen(function*() {
          const s = yield* Ref.get(state)
          // Leave the last state of every bar on screen, then forget them.
          yield* Ref.set(state, { ...s, bars: [], drawn: 0 })
        })
        : Effect.void
    )

    return { interactive, emit, line, flush } satisfies Renderer
  })

/**
 * The renderer on the current `Terminal`: bars on a TTY, plain lines otherwise.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<Progress, never, Terminal.Terminal> = Layer.effect(Progress, make())

/**
 * The renderer forced to plain lines (the `--plain` flag).
 *
 * @since 0.1.0
 */
export const layerPlain: Layer.Layer<Progress, never, Terminal.Terminal> = Layer.effect(
  Progress,
  make({ interactive: false })
)
