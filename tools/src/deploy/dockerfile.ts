/**
 * Dockerfile checks: the `dockerfile-utils` linter (the Docker language server's: unknown
 * instructions and flags, bad durations and signals, malformed arguments), plus the rules every
 * Sheaf image follows: multi-stage, a pinned base image (a tag other than `latest`, or a digest),
 * a non-root USER, a HEALTHCHECK and an exec-form CMD or ENTRYPOINT in the final stage.
 */
import { validate } from 'dockerfile-utils';
import type { Problem } from './problem';

export interface Instruction {
  /** Upper-cased keyword: FROM, RUN, USER, ... */
  readonly keyword: string;
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

/** Splits a Dockerfile into instructions (comments and parser directives skipped, `\` continuations joined). */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { line: number; text: string } | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (!pending && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (pending && trimmed.startsWith('#')) return;
    const continued = /\\$/.test(trimmed);
    const body = continued ? trimmed.slice(0, -1) : trimmed;
    pending = pending ? { line: pending.line, text: `${pending.text} ${body}` } : { line: index + 1, text: body };
    if (!continued) {
      const match = /^(\S+)\s*(.*)$/s.exec(pending.text.trim());
      if (match) instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: pending.line });
      pending = undefined;
    }
  });
  return instructions;
}

interface Stage {
  readonly image: string;
  readonly name?: string;
  readonly line: number;
  readonly instructions: Instruction[];
}

function stagesOf(instructions: readonly Instruction[]): { globalArgs: Record<string, string>; stages: Stage[] } {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const asIndex = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({ image: words[0] ?? '', name: asIndex >= 0 ? words[asIndex + 1]?.toLowerCase() : undefined, line: instruction.line, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [name, value] = instruction.args.split('=', 2);
        if (value !== undefined) globalArgs[name.trim()] = value.trim().replace(/^"(.*)"$/, '$1');
      }
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

const expandArgs = (value: string, args: Record<string, string>) =>
  value.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a: string | undefined, b: string | undefined) => args[(a ?? b) as string] ?? all);

/** Splits `registry/name:tag@digest` into its tag and digest (the tag's colon follows the last slash). */
function tagOf(image: string): { tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split('@', 2);
  const colon = withoutDigest.lastIndexOf(':');
  return { tag: colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(colon + 1) : undefined, digest };
}

const isExecForm = (args: string) => {
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.length > 0 && parsed.every((a) => typeof a === 'string');
  } catch {
    return false;
  }
};

/** All problems of one Dockerfile; `source` names it in the findings. */
export function lintDockerfile(text: string, source: string): Problem[] {
  const problems: Problem[] = [];
  const add = (line: number | undefined, message: string) => problems.push({ source, at: line ? `line ${line}` : undefined, message });

  for (const diagnostic of validate(text)) {
    add(diagnostic.range.start.line + 1, typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value);
  }

  const { globalArgs, stages } = stagesOf(parseDockerfile(text));
  if (stages.length === 0) {
    add(undefined, 'has no FROM');
    return problems;
  }
  if (stages.length < 2) add(stages[0].line, 'must be a multi-stage build (build tools stay out of the runtime image)');
  const names = new Set<string>();
  for (const stage of stages) {
    const image = expandArgs(stage.image, globalArgs);
    if (!names.has(image.toLowerCase()) && image !== 'scratch') {
      if (/\$/.test(image)) {
        add(stage.line, `base image ${stage.image} needs a default (ARG before the first FROM)`);
      } else {
        const { tag, digest } = tagOf(image);
        if (!digest && (!tag || tag === 'latest')) add(stage.line, `base image ${image} must be pinned: a tag other than latest, or a digest`);
      }
    }
    if (stage.name) names.add(stage.name);
  }

  const final = stages[stages.length - 1];
  const last = (keyword: string) => [...final.instructions].reverse().find((i) => i.keyword === keyword);
  const user = last('USER');
  if (!user) {
    add(final.line, 'the final stage must switch to a non-root USER');
  } else if (/^(root|0)(:.*)?$/.test(user.args.trim())) {
    add(user.line, `the final stage runs as ${user.args}: use a non-root user`);
  }
  const healthcheck = last('HEALTHCHECK');
  if (!healthcheck) add(final.line, 'the final stage needs a HEALTHCHECK');
  else if (/^NONE$/i.test(healthcheck.args.trim())) add(healthcheck.line, 'HEALTHCHECK NONE disables the health check');
  const start = last('CMD') ?? last('ENTRYPOINT');
  if (!start) add(final.line, 'the final stage needs a CMD or ENTRYPOINT');
  for (const keyword of ['CMD', 'ENTRYPOINT']) {
    const instruction = last(keyword);
    // Shell form runs under /bin/sh -c, which does not pass SIGTERM on: no graceful shutdown.
    if (instruction && !isExecForm(instruction.args)) add(instruction.line, `${keyword} must use the exec (JSON) form so the process receives signals`);
  }
  return problems;
}
