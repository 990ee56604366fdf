import { HOOK_CONFIG_SCHEMAS, HOOK_KINDS, validateHookConfig, type HookKind } from './index';

function errorsOf(kind: HookKind, config: unknown) {
  const result = validateHookConfig(kind, config);
  return result.ok ? [] : result.errors;
}

describe('validateHookConfig', () => {
  it.each<[HookKind, unknown]>([
    ['filter', { include: ['**/*.tif'], exclude: ['**/.DS_Store'], minSize: 1, maxSize: 10, redirect: [{ match: 'raw/**', to: '{meta.project}/{dir}/{stem}{ext}' }] }],
    ['metadata', { rules: [{ source: 'filename', pattern: '^(?<sample>S\\d+)_' }] }],
    ['access', { groupsFromMetadata: 'lab' }],
    ['webhook', { url: 'https://hooks.example.org/sheaf', timeoutMs: 60_000, headers: { Authorization: 'Bearer x' } }],
    ['command', { command: ['/opt/hooks/check', '--strict'], timeoutMs: 600_000 }],
  ])('accepts a valid %s config and returns it typed', (kind, config) => {
    expect(validateHookConfig(kind, config)).toEqual({ ok: true, config });
  });

  it('names unknown properties at any depth', () => {
    expect(errorsOf('filter', { include: ['*'], inclde: ['*'], redirect: [{ match: '*', to: 'x', force: true }] })).toEqual([
      { field: 'inclde', message: 'unknown property' },
      { field: 'redirect[0].force', message: 'unknown property' },
    ]);
  });

  it('reports an invalid regular expression and a pattern without named groups', () => {
    expect(errorsOf('metadata', { rules: [{ source: 'path', pattern: '^(?<sample>S\\d+' }, { source: 'path', pattern: '^S\\d+' }] })).toEqual([
      { field: 'rules[0].pattern', message: expect.stringContaining('missing closing )') },
      { field: 'rules[1].pattern', message: 'has no named group such as (?<sample>...)' },
    ]);
  });

  it('refuses lookaround and backreferences, which RE2 (linear-time matching) does not have, and says so', () => {
    expect(errorsOf('metadata', { rules: [{ source: 'path', pattern: '(?<=raw/)(?<sample>S\\d+)' }, { source: 'path', pattern: '(?<a>x)\\1' }] })).toEqual([
      { field: 'rules[0].pattern', message: expect.stringMatching(/invalid named capture.*\(RE2 syntax: no lookaround or backreferences\)$/) },
      { field: 'rules[1].pattern', message: expect.stringMatching(/invalid escape sequence.*\(RE2 syntax: no lookaround or backreferences\)$/) },
    ]);
  });

  it.each([
    ['not a URL', 'must be an absolute http:// or https:// URL'],
    ['ftp://example.org/in', 'must be an http:// or https:// URL'],
    ['https://user:pw@example.org/in', 'must not contain credentials; send them in headers'],
  ])('rejects the webhook URL %s', (url, message) => {
    expect(errorsOf('webhook', { url })).toEqual([{ field: 'url', message }]);
  });

  it.each(['http://hooks.example.org:6000/in', 'https://hooks.example.org:6666/in', 'http://10.0.0.5:5060/', 'http://[::1]:10080/x'])(
    'rejects the webhook URL %s, on a port fetch refuses to connect to',
    (url) => {
      const port = new URL(url).port;
      expect(errorsOf('webhook', { url })).toEqual([
        { field: 'url', message: `must not use port ${port}: fetch refuses to connect to it (a "bad port" of the Fetch standard), so every call would fail; use another port` },
      ]);
    },
  );

  it("refuses exactly the ports this Node's fetch refuses", async () => {
    // Sends nothing: fetch looks at the port before it asks the dispatcher, and uses only its dispatch.
    const sendsNothing = {
      dispatch: () => {
        throw new Error('not sent');
      },
    };
    const dispatcher = sendsNothing as unknown as RequestInit['dispatcher'];
    // Every bad port is below 11,000.
    const ports = Array.from({ length: 11_000 }, (_, port) => port);
    const refusedByFetch = await Promise.all(
      ports.map((port) =>
        fetch(`http://127.0.0.1:${port}/`, { method: 'POST', dispatcher }).then(
          () => false,
          (err: Error) => (err.cause as Error | undefined)?.message === 'bad port',
        ),
      ),
    );
    const refusedHere = ports.map((port) => errorsOf('webhook', { url: `http://127.0.0.1:${port}/` }).length > 0);
    expect(ports.filter((port) => refusedHere[port])).toEqual(ports.filter((port) => refusedByFetch[port]));
  });

  it('refuses a backslash in a glob before a letter, digit, * or ?, or at its end, pointing to /, and keeps every other escape', () => {
    const letter = "folders are separated with '/' (temp/data/*.raw); a backslash only makes the character after it literal, and a letter or digit needs no escape";
    expect(errorsOf('filter', { include: ['temp\\data\\*.raw', 'C:\\runs\\x.raw', 'temp\\*.raw', 'temp\\?.raw', 'raw\\'], exclude: ['a\\é', 'run\\٣'] })).toEqual([
      { field: 'include[0]', message: `has a backslash before "d": ${letter}` },
      { field: 'include[1]', message: `has a backslash before "r": ${letter}` },
      { field: 'include[2]', message: "has a backslash before \"*\": folders are separated with '/' (temp/*.raw); for a literal * write [*]" },
      { field: 'include[3]', message: "has a backslash before \"?\": folders are separated with '/' (temp/?.raw); for a literal ? write [?]" },
      { field: 'include[4]', message: "ends with a backslash: folders are separated with '/' (temp/data/*.raw)" },
      // Letters and digits of any script.
      { field: 'exclude[0]', message: `has a backslash before "é": ${letter}` },
      { field: 'exclude[1]', message: `has a backslash before "٣": ${letter}` },
    ]);
    // A redirect's glob too.
    expect(errorsOf('filter', { redirect: [{ match: 'scans\\2024\\**', to: '{name}' }] })).toEqual([
      { field: 'redirect[0].match', message: `has a backslash before "2": ${letter}` },
    ]);
    // Escapes that work: of glob characters, an escaped backslash among them, of a dot, a space
    // and other punctuation, and the literal wildcards in brackets.
    const escapes = ['run\\[1\\].log', '\\!important', 'a\\{b,c\\}', 'back\\\\slash', '[a\\-z]', '*\\.tmp', 'my\\ file.raw', 'a\\_b', 'a\\#b', 'temp[*].raw', 'what[?].txt'];
    expect(errorsOf('filter', { include: escapes, redirect: [{ match: '*\\.raw', to: 'raw/{name}' }] })).toEqual([]);
  });

  it('rejects webhook timeouts above the limit and headers Sheaf sets itself', () => {
    expect(errorsOf('webhook', { url: 'http://localhost/x', timeoutMs: 60_001, headers: { 'X-Sheaf-Signature': 'forged' } })).toEqual([
      { field: 'timeoutMs', message: 'must be <= 60000' },
      { field: 'headers["X-Sheaf-Signature"]', message: 'is set by Sheaf or its HTTP client and cannot be configured' },
    ]);
    expect(errorsOf('webhook', { url: 'http://localhost/x', headers: { 'x-sheaf-timestamp': '1', 'X-Sheaf-Timestamp-Signature': 'forged' } })).toEqual([
      { field: 'headers["x-sheaf-timestamp"]', message: 'is set by Sheaf or its HTTP client and cannot be configured' },
      { field: 'headers["X-Sheaf-Timestamp-Signature"]', message: 'is set by Sheaf or its HTTP client and cannot be configured' },
    ]);
  });

  it('refuses headers that would make every webhook call fail: ones fetch will not send, and values outside Latin-1', () => {
    expect(errorsOf('webhook', { url: 'http://localhost/x', headers: { Expect: '100-continue', Upgrade: 'h2c', 'Keep-Alive': 'timeout=5', Authorization: 'Bearer ✓' } })).toEqual([
      { field: 'headers.Expect', message: 'is set by Sheaf or its HTTP client and cannot be configured' },
      { field: 'headers.Upgrade', message: 'is set by Sheaf or its HTTP client and cannot be configured' },
      { field: 'headers["Keep-Alive"]', message: 'is set by Sheaf or its HTTP client and cannot be configured' },
      { field: 'headers.Authorization', message: 'must contain only printable Latin-1 characters' },
    ]);
    expect(errorsOf('webhook', { url: 'http://localhost/x', headers: { 'X-Lab': 'Zürich' } })).toEqual([]);
  });

  it.each([
    ['/srv/{name}', 'template is absolute; destinations must stay relative'],
    ['../{name}', 'template contains a .. segment; destinations must stay relative'],
    ['a/../../{name}', 'template contains a .. segment; destinations must stay relative'],
    ['{dir}/{basename}', 'unknown placeholder {basename} (use {path}, {dir}, {name}, {stem}, {ext} or {meta.KEY})'],
    ['{meta.}/x', 'unknown placeholder {meta.} (use {path}, {dir}, {name}, {stem}, {ext} or {meta.KEY})'],
    ['out/{name}\n../x', 'template contains a control character (a line break, tab, NUL or DEL)'],
    ['out\t/{name}', 'template contains a control character (a line break, tab, NUL or DEL)'],
    ['out/{name', "unmatched '{'"],
    ['out/name}', "unmatched '}'"],
  ])('rejects the unsafe or broken redirect template %s', (to, message) => {
    expect(errorsOf('filter', { redirect: [{ match: '**', to }] })).toEqual([{ field: 'redirect[0].to', message }]);
  });

  it('reports globs that do not compile or cannot match relative paths', () => {
    expect(errorsOf('filter', { include: ['data/[ab', '[z-a]*.raw'], exclude: ['/tmp/**'] })).toEqual([
      { field: 'include[0]', message: expect.stringMatching(/^invalid glob: Missing closing: "\]"/) },
      // picomatch builds a regular expression that does not compile: without `debug` it would match nothing, silently.
      { field: 'include[1]', message: expect.stringMatching(/^invalid glob: .*Range out of order/) },
      { field: 'exclude[0]', message: "globs match paths relative to the instrument root; remove the leading '/'" },
    ]);
  });

  it('refuses in globs the extglob !(...) and regular-expression lookaround or backreferences, and accepts other extglobs', () => {
    expect(errorsOf('filter', { include: ['!(*.tmp)', '+(+([a-z_])).raw'], exclude: ['raw/**/!(keep)/*', 'a(?=b)*', 'a[x(?=.)]'], redirect: [{ match: '(a)\\1', to: 'x' }] })).toEqual([
      { field: 'include[0]', message: 'uses extglob syntax !(...), which Sheaf does not support; use include and exclude globs instead' },
      { field: 'exclude[0]', message: 'uses extglob syntax !(...), which Sheaf does not support; use include and exclude globs instead' },
      { field: 'exclude[1]', message: 'uses regular-expression syntax Sheaf does not support (error parsing regexp: invalid or unsupported Perl syntax: `(?=`)' },
      // Text picomatch's own lookaheads are made of: it would be stripped as theirs are, silently changing the glob.
      { field: 'exclude[2]', message: 'uses regular-expression syntax Sheaf does not support (a lookahead such as (?=.))' },
      // A backreference is a backslash that escapes no glob character.
      { field: 'redirect[0].match', message: expect.stringMatching(/^has a backslash before "1": /) },
    ]);
  });

  it('refuses access names no group or project can have: a leading or trailing space, or a comma', () => {
    expect(errorsOf('access', { groups: [' microscopy', 'em,lab', 'cryo em'], projects: ['P1\t', 'a , b'] })).toEqual([
      { field: 'groups[0]', message: 'must not start or end with whitespace: no group name does, so it would grant nothing' },
      { field: 'groups[1]', message: 'must not contain a comma: no group name does, so it would grant nothing (give each group as its own item)' },
      { field: 'projects[0]', message: 'must not start or end with whitespace: no project name does, so it would grant nothing' },
      { field: 'projects[1]', message: 'must not contain a comma: no project name does, so it would grant nothing (give each project as its own item)' },
    ]);
    expect(errorsOf('access', { groups: [' '] })).toEqual([{ field: 'groups[0]', message: 'must not start or end with whitespace: no group name does, so it would grant nothing' }]);
  });

  it('reports missing fields, wrong types and contradictory limits', () => {
    expect(errorsOf('metadata', {})).toEqual([{ field: 'rules', message: 'is required' }]);
    expect(errorsOf('metadata', { rules: [{ source: 'name', pattern: '(?<a>.)' }] })).toEqual([{ field: 'rules[0].source', message: 'must be one of "path", "filename"' }]);
    expect(errorsOf('filter', { minSize: 10, maxSize: 5 })).toEqual([{ field: 'maxSize', message: 'must not be less than minSize' }]);
    expect(errorsOf('command', { command: [''] })).toEqual([{ field: 'command[0]', message: 'must name a program' }]);
    expect(errorsOf('access', {})).toEqual([{ field: '', message: 'grants nothing: set groups, projects, groupsFromMetadata or projectsFromMetadata' }]);
    expect(errorsOf('webhook', 'https://example.org')).toEqual([{ field: '', message: 'must be object' }]);
  });

  it('serves a schema per kind that forbids unknown properties and describes every property', () => {
    const missing: string[] = [];
    const walk = (schema: Record<string, unknown>, at: string) => {
      if (schema.type === 'object' && schema.properties) {
        expect(schema.additionalProperties).toBe(false);
        for (const [name, property] of Object.entries(schema.properties as Record<string, Record<string, unknown>>)) {
          if (!property.description) missing.push(`${at}.${name}`);
          walk(property, `${at}.${name}`);
        }
      }
      if (schema.items) walk(schema.items as Record<string, unknown>, `${at}[]`);
    };
    for (const kind of HOOK_KINDS) {
      const schema = HOOK_CONFIG_SCHEMAS[kind] as Record<string, unknown>;
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.description).toEqual(expect.any(String));
      walk(schema, kind);
    }
    expect(missing).toEqual([]);
  });
});
