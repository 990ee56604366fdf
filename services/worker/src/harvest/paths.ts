import { posix } from 'node:path';

export const DEFAULT_PATH_TEMPLATE = '{instrument}/{path}';

const PLACEHOLDERS = /\{(instrument|path|dir|name|stem|ext|version)\}/g;

/**
 * Where a file version lands, relative to the destination's root. The template's placeholders
 * are {instrument}, {path}, {dir}, {name}, {stem}, {ext} and {version}; a later version of a
 * path is suffixed (`data.v2.csv`, in {path}, {name} and {stem}) unless the template places
 * {version} itself, so a changed file never replaces the earlier one.
 */
export function destinationPath(template: string, instrument: string, path: string, version: number): string {
  const { dir, base, ext, name } = posix.parse(path);
  const versioned = version > 1 && !template.includes('{version}');
  const stem = versioned ? `${name}.v${version}` : name;
  const fileName = versioned ? `${stem}${ext}` : base;
  const relPath = versioned ? posix.join(dir, fileName) : path;
  const values = { instrument, path: relPath, dir, name: fileName, stem, ext, version: String(version) };
  // In one pass: a value is never read for placeholders ('a/{dir}.txt' keeps its name).
  const out = template.replace(PLACEHOLDERS, (_placeholder, key: keyof typeof values) => values[key]);
  // A leading '/' the template did not write comes from an empty placeholder: {dir} of a file
  // at the source's root, in '{dir}/{name}'.
  const normalised = posix.normalize(template.startsWith('/') ? out : out.replace(/^\/+/, ''));
  if (normalised.startsWith('/') || normalised === '..' || normalised.startsWith('../')) {
    throw new Error(`destination path template ${template} gives ${out}, which leaves the destination`);
  }
  return normalised;
}

/**
 * The folder under which a destination path equals the source path, if there is one: such files
 * can be copied together with one `rclone copy --files-from`; the others are renamed on the way
 * (`Rclone.copyEach`).
 */
export function sharedPrefix(path: string, destination: string): string | undefined {
  if (destination === path) return '';
  return destination.endsWith(`/${path}`) ? destination.slice(0, -path.length - 1) : undefined;
}
