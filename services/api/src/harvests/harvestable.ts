import type { EntityManager } from 'typeorm';
import { InstrumentDestinationEntity, InstrumentEntity } from '@sheaf/db';
import { DomainError, notFound } from '../common/domain-error';

/**
 * The instrument, when a harvest of it may start now: ad hoc, or by a schedule's "run now" or
 * backfill. Otherwise the 404 (naming `field`, the request's field that gave the id, if any) or
 * 409 that says why not. `lock`: read FOR SHARE, in the transaction that records the run, so a
 * deletion or change of the instrument cannot slip in between.
 */
export async function harvestableInstrument(manager: EntityManager, instrumentId: string, field?: string, lock = false): Promise<InstrumentEntity> {
  const instrument = await manager.getRepository(InstrumentEntity).findOne({ where: { id: instrumentId }, ...(lock && { lock: { mode: 'pessimistic_read' as const } }) });
  if (!instrument) throw notFound('Instrument', field);
  if (!instrument.enabled) throw new DomainError('conflict', 'instrument_disabled', `Instrument ${instrument.name} is disabled`);
  if (!(await manager.getRepository(InstrumentDestinationEntity).existsBy({ instrumentId }))) {
    throw new DomainError('conflict', 'no_destination', `Instrument ${instrument.name} has no destination`);
  }
  return instrument;
}
