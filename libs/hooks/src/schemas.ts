import type { HookKind } from './types';

export interface FilterHookConfig {
  include?: string[];
  exclude?: string[];
  minSize?: number;
  maxSize?: number;
  redirect?: Array<{ match: string; to: string }>;
}

export interface MetadataHookConfig {
  rules: Array<{ source: 'path' | 'filename'; pattern: string }>;
}

export interface AccessHookConfig {
  groups?: string[];
  projects?: string[];
  groupsFromMetadata?: string;
  projectsFromMetadata?: string;
}

export interface WebhookHookConfig {
  url: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface CommandHookConfig {
  command: string[];
  timeoutMs?: number;
}

export interface HookConfigs {
  filter: FilterHookConfig;
  metadata: MetadataHookConfig;
  access: AccessHookConfig;
  webhook: WebhookHookConfig;
  command: CommandHookConfig;
}

export const WEBHOOK_TIMEOUT_MS = { default: 10_000, min: 100, max: 60_000 } as const;
export const COMMAND_TIMEOUT_MS = { default: 30_000, min: 100, max: 600_000 } as const;

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

const glob = { type: 'string', minLength: 1, maxLength: 1024 };
const globList = (description: string) => ({ type: 'array', minItems: 1, maxItems: 1000, items: glob, description });
const nameList = (description: string) => ({
  type: 'array',
  maxItems: 1000,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 255 },
  description,
});
const metadataKey = (description: string) => ({ type: 'string', minLength: 1, maxLength: 255, description });

const answerDoc =
  'The answer (optional; a JSON object) may carry `decisions: { [fileVersionId]: { action: "skip" | "hold", reason } }` ' +
  'and `metadata: { [fileVersionId]: { key: "value" } }` (string values only); unknown file ids are ignored. ' +
  'In the post phase a file held (by an answer or a failure) is already delivered and verified with its ARK: nothing the ' +
  'post-hooks did to it is kept, and the next run runs its post-hooks again.';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * JSON Schemas (draft 2020-12) of each kind's `config`, served to the portal's config editor.
 * `validateHookConfig` adds what a schema cannot say (regexes and globs compile, templates are safe).
 */
export const HOOK_CONFIG_SCHEMAS: Readonly<Record<HookKind, object>> = deepFreeze({
  filter: {
    $schema: DRAFT,
    title: 'Filter hook',
    description:
      'Decides before the copy which files are taken and where they land. Globs (picomatch, dotfiles included) match the ' +
      "file's path relative to the instrument root, '/' separated (a backslash never separates folders: it makes the character " +
      'after it literal, as in *\\.raw, never before a letter or digit nor at the end; for a literal * or ? write [*] or [?]), ' +
      'case-sensitive: use `**/*.tmp` for any depth. ' +
      'They are matched in time linear in the path, so the extglob !(...) and regular-expression lookaround are not supported.',
    type: 'object',
    additionalProperties: false,
    properties: {
      include: globList('When given, a file matching none of these globs is skipped.'),
      exclude: globList('A file matching any of these globs is skipped.'),
      minSize: { type: 'integer', minimum: 0, description: 'Files smaller than this many bytes are skipped.' },
      maxSize: { type: 'integer', minimum: 0, description: 'Files larger than this many bytes are skipped.' },
      redirect: {
        type: 'array',
        maxItems: 100,
        description: "The first rule whose glob matches the file's path sets its destination path.",
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['match', 'to'],
          properties: {
            match: { ...glob, description: "Glob on the file's path." },
            to: {
              type: 'string',
              minLength: 1,
              maxLength: 1024,
              description:
                'Relative destination path template. Placeholders: {path} (a/b/c.tar.gz), {dir} (a/b, or . at the root), ' +
                '{name} (c.tar.gz), {stem} (c.tar), {ext} (.gz), {meta.KEY} (metadata set by earlier hooks; a file without ' +
                'the key is held). The result must stay relative and contain no .. segment and no control character (a line ' +
                'break, tab, NUL or DEL): a file whose metadata would put one there is held.',
            },
          },
        },
      },
    },
  },
  metadata: {
    $schema: DRAFT,
    title: 'Metadata hook',
    description: 'Extracts metadata with regular expressions: the named groups of every matching rule are merged (later rules win).',
    type: 'object',
    additionalProperties: false,
    required: ['rules'],
    properties: {
      rules: {
        type: 'array',
        minItems: 1,
        maxItems: 100,
        description: 'Applied in order; a rule that does not match changes nothing.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['source', 'pattern'],
          properties: {
            source: {
              enum: ['path', 'filename'],
              description: "What the pattern is matched against: the relative path ('a/b/c.txt') or the file name ('c.txt').",
            },
            pattern: {
              type: 'string',
              minLength: 1,
              maxLength: 2048,
              description:
                'Regular expression in RE2 syntax (as JavaScript, without lookaround or backreferences; matched in linear time) with named groups, e.g. ^(?<project>[^/]+)/(?<sample>S\\d+)_',
            },
          },
        },
      },
    },
  },
  access: {
    $schema: DRAFT,
    title: 'Access hook',
    description: 'Grants groups and projects access to the files, from literal names and/or from metadata values.',
    type: 'object',
    additionalProperties: false,
    properties: {
      groups: nameList('Group names granted access to every file (as the groups are named: no leading or trailing space, no comma).'),
      projects: nameList('Project names granted access to every file (as the projects are named: no leading or trailing space, no comma).'),
      groupsFromMetadata: metadataKey('Metadata key whose value (comma-separated names allowed) names groups to grant.'),
      projectsFromMetadata: metadataKey('Metadata key whose value (comma-separated names allowed) names projects to grant.'),
    },
  },
  webhook: {
    $schema: DRAFT,
    title: 'Webhook hook',
    description:
      'POSTs the batch as JSON, signed with `X-Sheaf-Signature: sha256=<HMAC-SHA256 of the body>` and carrying an ' +
      '`Idempotency-Key`. `X-Sheaf-Timestamp` (Unix seconds) and `X-Sheaf-Timestamp-Signature: sha256=<HMAC-SHA256 of ' +
      '"<timestamp>.<body>">` let the receiver refuse a request replayed later: accept it only within a few minutes of its ' +
      'own clock (a retry is signed anew). The key is a digest of the hook and the exact body: a call made again with the ' +
      'same body (a retry after a timeout, a 5xx, or a failure later in the batch) carries the same key, and a different body ' +
      'never does. A retry sends another body, under another key, when it sends fewer files (those a pre-hook skipped on an ' +
      'earlier attempt are not sent again) or other values (metadata another hook answered differently), and a call cut short ' +
      '(a cancelled run, a crash) is made again by a later run under another key (the run id is in the body); so a receiver ' +
      'that must act once per file keys on each file\'s `fileVersionId` and the phase. 5xx, 408, 429, timeouts and network errors are retried (with the batch), and hold the files once its ' +
      'last attempt fails too; another 4xx or a 3xx holds the files at once. ' +
      answerDoc,
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: {
        type: 'string',
        minLength: 1,
        maxLength: 2048,
        description: 'http:// or https:// URL of the receiver, not on a port fetch refuses to connect to (the Fetch standard’s bad ports: 6000, 6665-6669, 5060, 10080 and others).',
      },
      timeoutMs: {
        type: 'integer',
        minimum: WEBHOOK_TIMEOUT_MS.min,
        maximum: WEBHOOK_TIMEOUT_MS.max,
        default: WEBHOOK_TIMEOUT_MS.default,
        description: 'Time allowed for the whole call, in milliseconds.',
      },
      headers: {
        type: 'object',
        maxProperties: 50,
        propertyNames: { pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" },
        additionalProperties: { type: 'string', maxLength: 4096 },
        description:
          'Extra request headers (e.g. Authorization), each name once (names ignore case). Content-Type, X-Sheaf-Signature, X-Sheaf-Timestamp, X-Sheaf-Timestamp-Signature ' +
          'and Idempotency-Key are set by Sheaf. ' +
          'Values are write-only: the API shows *** in their place, and a header sent back as *** keeps its stored value, ' +
          'unless the URL now points at another server (scheme, host or port): then give the value again.',
      },
    },
  },
  command: {
    $schema: DRAFT,
    title: 'Command hook',
    description:
      'Runs a program on the worker (argv, no shell) with the batch as JSON on stdin and reads its JSON answer from stdout. ' +
      'A non-zero exit, a timeout or unparsable output holds the files. The program is given a minimal environment (PATH, ' +
      'HOME, LANG, LC_ALL, TZ, TMPDIR and SHEAF_RUN_ID, SHEAF_INSTRUMENT_ID, SHEAF_HOOK_ID, SHEAF_HOOK_PHASE), without the ' +
      'worker’s secrets; but it is not sandboxed: it runs as the worker’s user and can read and change what the worker can, ' +
      'its sources and destinations included, and read the environment of the worker and of the rclone processes it starts ' +
      '(/proc/<pid>/environ), secrets included (the encryption key, the database URL, storage credentials). Run only programs ' +
      'trusted with those, or start the program through a wrapper that changes user (sudo -u with a rule for it, setpriv), ' +
      'which needs a worker allowed to change user: the shipped image and Kubernetes manifests do not allow it. ' +
      answerDoc,
    type: 'object',
    additionalProperties: false,
    required: ['command'],
    properties: {
      command: {
        type: 'array',
        minItems: 1,
        maxItems: 256,
        items: { type: 'string', maxLength: 4096 },
        description: 'Program and arguments, e.g. ["/opt/hooks/check", "--strict"]. The program is looked up on PATH unless absolute.',
      },
      timeoutMs: {
        type: 'integer',
        minimum: COMMAND_TIMEOUT_MS.min,
        maximum: COMMAND_TIMEOUT_MS.max,
        default: COMMAND_TIMEOUT_MS.default,
        description: 'Time allowed before the program (and everything it started) is killed, in milliseconds.',
      },
    },
  },
});
