import { ApplicationFailure } from '@temporalio/common';
import { validateSourceConfig } from '@sheaf/contracts';
import type { SecretBox } from '@sheaf/crypto';
import { SEALED_SOURCE_REMOTE, type InstrumentEntity, type ServiceAccountEntity, type StorageLocationEntity } from '@sheaf/db';
import { LocationConfigError, sourceLocation, storageLocation, type Location } from '@sheaf/rclone';
import { onLocalFileSystems } from './mounts';

export const FAILURE_TYPES = {
  invalidConfig: 'InvalidConfig',
  notFound: 'NotFound',
  /** rclone found the source or a destination unusable in a way retrying cannot fix (a missing folder, a fatal error). */
  locationUnusable: 'LocationUnusable',
  credentialsRejected: 'CredentialsRejected',
} as const;

export type { Location } from '@sheaf/rclone';

/** A location with the words that name it in failure messages ("storage location archive"). */
export interface NamedLocation extends Location {
  label: string;
}

function invalid(message: string): never {
  throw ApplicationFailure.nonRetryable(message, FAILURE_TYPES.invalidConfig);
}

function openSecret(box: SecretBox | undefined, sealed: string | null | undefined, what: string): string {
  if (!sealed) invalid(`${what} has no secret stored`);
  if (!box) invalid(`${what} needs SHEAF_ENCRYPTION_KEY to open its secret`);
  try {
    return box.open(sealed);
  } catch (err) {
    // Another key sealed it (SHEAF_ENCRYPTION_KEY changed) or the row was altered: no retry helps.
    return invalid(`${what}: ${(err as Error).message}`);
  }
}

/** A stored configuration rclone cannot use fails the run at once: retrying cannot fix it. */
function permanent<T>(build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof LocationConfigError) invalid(err.message);
    throw err;
  }
}

/**
 * A local folder (a local-path source, a POSIX storage location) on anything but a local file
 * system (an NFS or SMB share, a FUSE mount: onLocalFileSystems) is a network mount: its files are
 * never read blocking, as a read that hangs there would stop the whole worker (every activity's
 * heartbeats, cancellation, /health), not just its batch. Looked at each time a location is
 * resolved (once per activity), not per file.
 */
function mountChecked(location: Location): Location {
  if (!location.localRoot || location.networkMount || onLocalFileSystems(location.localRoot)) return location;
  return { ...location, networkMount: true };
}

/**
 * The instrument's source as rclone sees it. An rclone connection string is stored sealed
 * (`sourceRemoteSealed`, read by the caller: select: false), its config holding ***; one stored
 * in clear by an older release, before the API sealed it, is read as it stands.
 */
export function resolveSource(instrument: InstrumentEntity, account: ServiceAccountEntity | null, box: SecretBox | undefined): NamedLocation {
  // A key stored as null, before the API refused null (an emptied SMB port), means unset, as the
  // API's connection test reads it: not a reason to stop every harvest.
  const config = Object.fromEntries(Object.entries(instrument.sourceConfig).filter(([, value]) => value !== null));
  if (instrument.sourceType === 'rclone' && config['remote'] === SEALED_SOURCE_REMOTE) {
    config['remote'] = openSecret(box, instrument.sourceRemoteSealed, `the rclone connection string of instrument ${instrument.name}`);
  }
  // Checked as the API checks it today: a config stored before a rule was tightened (options on
  // a named rclone remote, which would reach rclone's command line) stops here, saying which field.
  const [problem] = validateSourceConfig(instrument.sourceType, config);
  if (problem) invalid(`instrument ${instrument.name}: its source config ${problem.field ? `${problem.field} ` : ''}${problem.message}`);
  const location = permanent(() =>
    sourceLocation(
      { name: instrument.name, type: instrument.sourceType, config },
      account && {
        name: account.name,
        username: account.username,
        domain: account.domain,
        password: () => openSecret(box, account.passwordSealed, `service account ${account.name}`),
      },
    ),
  );
  return { ...mountChecked(location), label: `the source of instrument ${instrument.name}` };
}

/** One storage location as rclone sees it; `name` keeps several destinations apart. */
export function resolveDestination(storage: StorageLocationEntity, name: string, box: SecretBox | undefined): NamedLocation {
  const label = `storage location ${storage.name}`;
  return { ...mountChecked(permanent(() => storageLocation(storage, name, () => openSecret(box, storage.secretSealed, label)))), label };
}
