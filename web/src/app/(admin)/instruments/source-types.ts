import type { SourceType } from '@sheaf/contracts';

import { configToValues, valuesToConfig, type ConfigField } from '@/components/config-fields';
import type { InstrumentDto } from '@/lib/api-types';

/** Shared by the instruments list, page and form. */
export const SOURCE_TYPE_LABELS: Record<SourceType, string> = {
  smb: 'SMB',
  rclone: 'rclone',
  local: 'Local folder',
};

/** The order the form offers them in: the usual case first. */
export const SOURCE_TYPE_ORDER: readonly SourceType[] = ['smb', 'rclone', 'local'];

export const SOURCE_TYPE_HINTS: Record<SourceType, string> = {
  smb: 'A Windows/Samba share on the instrument’s computer, read with a service account',
  rclone: 'SFTP, S3, WebDAV, FTP, HTTP, Azure Blob, Google Cloud Storage, Swift or B2 through rclone, as a remote the operator defined or a connection string',
  local: 'A folder the workers can read (local or mounted)',
};

export const DEFAULT_PATH_TEMPLATE = '{instrument}/{path}';

/** Where the source is, in one line: `//host/share/path`, `remote:folder`, `/data/in`. */
export function describeSource(instrument: Pick<InstrumentDto, 'sourceType' | 'sourceConfig'>): string {
  const c = instrument.sourceConfig as Record<string, string | number | undefined>;
  switch (instrument.sourceType) {
    case 'smb':
      return `//${c.host ?? ''}${c.port ? `:${c.port}` : ''}/${c.share ?? ''}${c.path ? `/${c.path}` : ''}`;
    case 'rclone':
      return String(c.remote ?? '');
    case 'local':
      return String(c.path ?? '');
  }
}

/** A quiet period in words: "45 s", "2 min 30 s", "1 h". */
export function formatQuietPeriod(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const parts: string[] = [];
  const units: Array<[number, string]> = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  let rest = seconds;
  for (const [size, unit] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n) parts.push(`${n} ${unit}`);
  }
  return parts.join(' ');
}

/** The source config fields of each type, as `validateSourceConfig` (libs/contracts) expects them. */
export const SOURCE_FIELDS: Record<SourceType, ConfigField[]> = {
  smb: [
    { key: 'host', label: 'Host', helper: 'Host name or IP address of the instrument’s computer' },
    { key: 'port', label: 'Port', helper: 'Optional: 445 when empty', optional: true, numeric: true },
    { key: 'share', label: 'Share', helper: 'The share’s name, without slashes, e.g. data' },
    { key: 'path', label: 'Path', helper: 'Optional: a folder inside the share, e.g. exports/2025', optional: true },
  ],
  rclone: [
    {
      key: 'remote',
      label: 'rclone path',
      helper:
        'A connection string such as :sftp,host=example.org,user=lab,pass=<rclone obscure output>:data, or a remote defined in the environment of the workers and the API (RCLONE_CONFIG_LAB_TYPE=sftp, …) and a folder (lab:data); rclone config files are not read',
    },
  ],
  local: [{ key: 'path', label: 'Path', helper: 'Absolute folder on the workers, e.g. /data/instrument' }],
};

export const MIN_AGE_DEFAULT = 60;

/** The form's text values of a stored source config. */
export function sourceValues(instrument?: Pick<InstrumentDto, 'sourceConfig'>): Record<string, string> {
  return configToValues(instrument?.sourceConfig);
}

/** The source config object for the type, as the API expects it. */
export function buildSourceConfig(type: SourceType, values: Record<string, string>): Record<string, unknown> {
  return valuesToConfig(SOURCE_FIELDS[type], values);
}

/** Seconds as typed: empty is "the default"; what is not a whole number becomes NaN (sent as null), which the API refuses with its message. */
export function parseSeconds(raw: string): number | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  return /^\d+$/.test(text) ? Number(text) : Number.NaN;
}
