import type { EntityManager } from 'typeorm';
import { InstrumentDestinationEntity, InstrumentEntity } from '@sheaf/db';
import { DomainError, notFound } from '../common/domain-error';

/**
 * The instrument, when a harvest of it may start now: ad hoc, or by a schedule's "run now" or
 * backfill. Otherwise the 404 (naming `field`, the request's field that gave the id, if any) or
 * 409 that says why not.
 */
export async function harvestableInstrument(manager: EntityManager, instrumentId: string, field?: string): Promise<InstrumentEntity> {
  return assertHarvestable(manager, await manager.getRepository(InstrumentEntity).findOneBy({ id: instrumentId }), field);
}

/** As harvestableInstrument, for an instrument read already (null: none, or deleted). */
export async function assertHarvestable(manager: EntityManager, instrument: InstrumentEntity | null, field?: string): Promise<InstrumentEntity> {
  if (!instrument) throw notFound('Instrument', field);
  if (!instrument.enabled) throw new DomainError('conflict', 'instrument_disabled', `Instrument ${instrument.name} is disabled`);
  if (!(await manager.getRepository(InstrumentDestinationEntity).existsBy({ instrumentId: instrument.id }))) {
    throw new DomainError('conflict', 'no_destination', `Instrument ${instrument.name} has no destination`);
  }
  return instrument;
}
