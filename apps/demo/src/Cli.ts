/**
 * The `xmedia` command line: the demo (no command) and the commands teams script with.
 *
 * ```text
 * xmedia                                   run both subtitle flows on the sample video (the demo)
 * xmedia post <video> --subtitles f:LANG[:name]... [--alt] [--text] [--flow before|after]
 * xmedia run <flow file>... [--concurrency n]
 * xmedia status [run id]
 * xmedia resume <run id>
 * xmedia subtitles add <media id> <file:LANG[:name]> / subtitles remove <media id> <LANG>
 * xmedia metadata set <media id> --alt <text>
 * xmedia emulator [--port n]
 * ```
 *
 * Every command has `--help`. Exit codes: 0 success, 2 bad input, 1 X-side failure (see `Failure`).
 *
 * @since 0.1.0
 */
import { Args, Command, Options } from "@effect/cli"
import * as Commands from "./Commands.js"

const baseUrl = Options.text("base-url").pipe(
  Options.withDescription(
    "Send requests to this server (e.g. an emulator at http://127.0.0.1:4000). Without it: real X when credentials are in the environment, else the embedded emulator."
  ),
  Options.optional
)
const realX = Options.boolean("real-x").pipe(
  Options.withDescription("Require real X (api.x.com): fail with exit code 2 when no credentials are set.")
)
const plain = Options.boolean("plain").pipe(
  Options.withDescription("Print plain progress lines even on a terminal (the default without a TTY).")
)
const keep = Options.boolean("keep").pipe(
  Options.withDescription("Keep the embedded emulator running after the flows (its web page stays up) until Ctrl-C.")
)
const stateDir = Options.directory("state-dir").pipe(
  Options.withDescription("Where runs are recorded for `status` and `resume`."),
  Options.withDefault(".xmedia")
)

const tokenFile = Options.text("token-file").pipe(
  Options.withDescription(
    "Keep OAuth 2.0 tokens between runs in this file (default: X_TOKEN_FILE; none: not kept). X uses the refresh token up at each refresh: the new tokens are written here (mode 0600), and an existing file is read at start in preference to X_ACCESS_TOKEN and X_REFRESH_TOKEN."
  ),
  Options.optional
)

/** The connection flags every command that talks to X takes. */
const connection = { baseUrl, realX, plain, keep, stateDir, tokenFile }

const subtitles = Options.text("subtitles").pipe(
  Options.withAlias("s"),
  Options.withDescription("A subtitle track as file:LANG[:name], e.g. captions.fr.srt:fr:Français (repeat for more)."),
  Options.repeated
)
const alt = Options.text("alt").pipe(Options.withDescription("Alt text for the media (at most 1000 characters)."), Options.optional)
const text = Options.text("text").pipe(Options.withDescription("The post's text."), Options.optional)
const flow = Options.choice("flow", ["before", "after"]).pipe(
  Options.withDescription(
    "before: associate the subtitles, then post. after: post the video first, then add the subtitles."
  ),
  Options.withDefault("before" as const)
)

/**
 * `xmedia post <video> --subtitles file:LANG[:name]... [--alt] [--text] [--flow before|after]`.
 *
 * @since 0.1.0
 */
export const post = Command.make(
  "post",
  {
    video: Args.text({ name: "video" }).pipe(Args.withDescription("The MP4 video to post.")),
    subtitles,
    alt,
    text,
    flow,
    ...connection
  },
  (config) => Commands.post(config)
).pipe(Command.withDescription("Upload a video with subtitle tracks and post it (one flow)."))

/**
 * `xmedia run <flow file>... [--concurrency n]`.
 *
 * @since 0.1.0
 */
export const run = Command.make(
  "run",
  {
    files: Args.text({ name: "flow file" }).pipe(
      Args.withDescription("JSON or YAML flow files (see docs/demo.md for the format)."),
      Args.atLeast(1)
    ),
    concurrency: Options.integer("concurrency").pipe(
      Options.withDescription("How many flows run at the same time."),
      Options.withDefault(4)
    ),
    ...connection
  },
  (config) => Commands.runFiles(config)
).pipe(Command.withDescription("Run one or many flow files (JSON or YAML), concurrently."))

/**
 * `xmedia status [run id]`.
 *
 * @since 0.1.0
 */
export const status = Command.make(
  "status",
  {
    runId: Args.text({ name: "run id" }).pipe(
      Args.withDescription("A run id printed by post/run (default: every recorded run)."),
      Args.optional
    ),
    ...connection
  },
  (config) => Commands.status(config)
).pipe(Command.withDescription("Show recorded runs and what exists on X for them (read back from the API)."))

/**
 * `xmedia resume <run id>`.
 *
 * @since 0.1.0
 */
export const resume = Command.make(
  "resume",
  {
    runId: Args.text({ name: "run id" }).pipe(Args.withDescription("The run to finish, as printed by post/run/status.")),
    ...connection
  },
  (config) => Commands.resume(config)
).pipe(
  Command.withDescription("Run a recorded flow again with the same idempotency key: finished steps are not redone.")
)

const mediaId = Args.text({ name: "media id" }).pipe(Args.withDescription("The video's media id."))
const category = Options.choice("category", ["TweetVideo", "AmplifyVideo"]).pipe(
  Options.withDescription("The video's subtitle category."),
  Options.withDefault("TweetVideo" as const)
)

/**
 * `xmedia subtitles add <media id> <file:LANG[:name]>`.
 *
 * @since 0.1.0
 */
export const subtitlesAdd = Command.make(
  "add",
  {
    mediaId,
    track: Args.text({ name: "file:LANG[:name]" }).pipe(
      Args.withDescription("The subtitle file and its language, e.g. captions.fr.srt:fr:Français.")
    ),
    category,
    ...connection
  },
  (config) => Commands.subtitlesAdd(config)
).pipe(Command.withDescription("Upload a subtitle file and associate it with a video (posted or not)."))

/**
 * `xmedia subtitles remove <media id> <LANG>`.
 *
 * @since 0.1.0
 */
export const subtitlesRemove = Command.make(
  "remove",
  {
    mediaId,
    language: Args.text({ name: "LANG" }).pipe(Args.withDescription("The track's language, e.g. fr or FR.")),
    category,
    ...connection
  },
  (config) => Commands.subtitlesRemove(config)
).pipe(Command.withDescription("Remove a subtitle track from a video."))

/**
 * `xmedia subtitles add|remove`.
 *
 * @since 0.1.0
 */
export const subtitlesCommand = Command.make("subtitles").pipe(
  Command.withDescription("Add or remove a video's subtitle tracks."),
  Command.withSubcommands([subtitlesAdd, subtitlesRemove])
)

/**
 * `xmedia metadata set <media id> --alt <text>`.
 *
 * @since 0.1.0
 */
export const metadataSet = Command.make(
  "set",
  {
    mediaId: Args.text({ name: "media id" }).pipe(Args.withDescription("The media id.")),
    alt: Options.text("alt").pipe(Options.withDescription("Alt text (at most 1000 characters).")),
    ...connection
  },
  (config) => Commands.metadataSet(config)
).pipe(Command.withDescription("Set a media's alt text."))

/**
 * `xmedia metadata set`.
 *
 * @since 0.1.0
 */
export const metadataCommand = Command.make("metadata").pipe(
  Command.withDescription("Set media metadata."),
  Command.withSubcommands([metadataSet])
)

/**
 * `xmedia emulator [--port n]`.
 *
 * @since 0.1.0
 */
export const emulator = Command.make(
  "emulator",
  {
    port: Options.integer("port").pipe(
      Options.withDescription("Port on 127.0.0.1 (0 = any free port)."),
      Options.withDefault(4000)
    )
  },
  (config) => Commands.emulator(config)
).pipe(Command.withDescription("Start the emulator alone (with its web page at /_emulator/) until Ctrl-C."))

/**
 * The root command: with no subcommand it runs the demo (both subtitle flows on the bundled sample).
 *
 * @since 0.1.0
 */
export const root = Command.make(
  "xmedia",
  connection,
  (config) => Commands.demo(config)
).pipe(
  Command.withDescription(
    "xmedia demo and CLI. With no command: start the emulator in-process, run the before-post and after-post subtitle flows on a sample video, and print what X reports."
  ),
  Command.withSubcommands([post, run, status, resume, subtitlesCommand, metadataCommand, emulator])
)

/**
 * Runs the CLI on `process.argv`-style arguments.
 *
 * @since 0.1.0
 */
export const cli = Command.run(root, { name: "xmedia", version: "0.1.0" })
