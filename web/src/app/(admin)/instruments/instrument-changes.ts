import type { DestinationDto, DestinationInputDto, InstrumentDto, UpdateInstrumentDto } from '@/lib/api-types';

import { buildSourceConfig, DEFAULT_PATH_TEMPLATE, sourceValues } from './source-types';

/** An instrument's fields as its form sends them; minAgeSeconds is undefined when the field was left empty. */
export interface InstrumentFields {
  name: string;
  description: string;
  location: string;
  sourceType: InstrumentDto['sourceType'];
  sourceConfig: Record<string, unknown>;
  serviceAccountId: string | null;
  minAgeSeconds: number | undefined;
  enabled: boolean;
  destinations: DestinationInputDto[];
}

type LoadedInstrument = Pick<InstrumentDto, 'name' | 'description' | 'location' | 'sourceType' | 'sourceConfig' | 'serviceAccountId' | 'minAgeSeconds' | 'enabled'> & {
  destinations: Array<Pick<DestinationDto, 'storageLocationId' | 'pathTemplate'>>;
};

/** Source configs are flat (host, port, share, path; remote; path): equal when every key has the same value. */
function sameConfig(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/**
 * The API keeps destinations as a set, one per storage location, with no order or priority (a
 * PATCH replaces the set; reads list them by storage name), and the form lists them in the
 * pickers' order: the same locations with the same templates, in any order, are no change.
 */
function sameDestinations(loaded: LoadedInstrument['destinations'], next: DestinationInputDto[]): boolean {
  const templates = new Map(loaded.map((d) => [d.storageLocationId, d.pathTemplate]));
  return (
    next.length === loaded.length &&
    new Set(next.map((d) => d.storageLocationId)).size === next.length &&
    next.every((d) => templates.get(d.storageLocationId) === (d.pathTemplate ?? DEFAULT_PATH_TEMPLATE))
  );
}

/**
 * What saving an edited instrument sends: only the fields that differ from the instrument as
 * loaded. Sent back unchanged, a field would undo what another admin changed meanwhile: a typo
 * fixed in the description would re-enable an instrument disabled elsewhere, or put back the
 * destinations or quiet period they changed. The source config is compared as the form shows it
 * (optional fields left empty are left out on both sides), so one stored under older rules is not
 * sent, and checked again, when only the name changes; a connection string (an rclone remote may
 * hold a password) is sent only when it was edited. A changed source type always sends the config:
 * the API needs both together. An empty quiet period keeps the current one.
 */
export function instrumentChanges(loaded: LoadedInstrument, next: InstrumentFields): UpdateInstrumentDto {
  const sourceTypeChanged = next.sourceType !== loaded.sourceType;
  const configEdited = sourceTypeChanged || !sameConfig(next.sourceConfig, buildSourceConfig(loaded.sourceType, sourceValues(loaded)));
  return {
    ...(next.name !== loaded.name ? { name: next.name } : {}),
    ...(next.description !== loaded.description ? { description: next.description } : {}),
    ...(next.location !== loaded.location ? { location: next.location } : {}),
    ...(sourceTypeChanged ? { sourceType: next.sourceType } : {}),
    ...(configEdited ? { sourceConfig: next.sourceConfig } : {}),
    ...(next.serviceAccountId !== loaded.serviceAccountId ? { serviceAccountId: next.serviceAccountId } : {}),
    ...(next.minAgeSeconds !== undefined && next.minAgeSeconds !== loaded.minAgeSeconds ? { minAgeSeconds: next.minAgeSeconds } : {}),
    ...(next.enabled !== loaded.enabled ? { enabled: next.enabled } : {}),
    ...(sameDestinations(loaded.destinations, next.destinations) ? {} : { destinations: next.destinations }),
  };
}
