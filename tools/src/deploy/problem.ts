/** One finding of a deployment check: where (a file, an object) and what is wrong. */
export interface Problem {
  /** A file, or an object as `Kind/name`, or a compose service as `service NAME`. */
  readonly source: string;
  /** A JSON pointer or a line, when known. */
  readonly at?: string;
  readonly message: string;
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.source}${p.at ? ` ${p.at}` : ''}: ${p.message}`).join('\n');
}
