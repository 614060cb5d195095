/** The shape every `samsa` subcommand has. */
export interface Command {
  /** One line for `samsa --help`. */
  summary: string;
  /** Full help text for `samsa <command> --help`. */
  help: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}
