import { instrumentChanges, type InstrumentFields } from '../src/app/(admin)/instruments/instrument-changes';

describe('instrumentChanges: what saving an edited instrument sends', () => {
  const store = 'a1b2c3d4-0000-4000-8000-000000000001';
  const archive = 'a1b2c3d4-0000-4000-8000-000000000002';
  const account = 'a1b2c3d4-0000-4000-8000-000000000003';
  const instrument = {
    name: 'krios-1',
    description: 'Krios, room 117',
    location: 'Building 2',
    sourceType: 'smb' as const,
    // Stored with an empty optional path, which the form leaves out.
    sourceConfig: { host: 'krios-pc', port: 445, share: 'data', path: '' },
    serviceAccountId: account,
    minAgeSeconds: 60,
    enabled: true,
    destinations: [
      { storageLocationId: archive, pathTemplate: '{instrument}/{path}' },
      { storageLocationId: store, pathTemplate: 'cryo/{instrument}/{path}' },
    ],
  };
  // The form as loaded: config as the form builds it, destinations in the pickers' order.
  const form: InstrumentFields = {
    ...instrument,
    sourceConfig: { host: 'krios-pc', port: 445, share: 'data' },
    destinations: [
      { storageLocationId: store, pathTemplate: 'cryo/{instrument}/{path}' },
      { storageLocationId: archive, pathTemplate: '{instrument}/{path}' },
    ],
  };

  it('sends only the description when only it was edited: a disable or a destination change made meanwhile elsewhere stays', () => {
    expect(instrumentChanges(instrument, { ...form, description: 'Krios G4, room 117' })).toEqual({ description: 'Krios G4, room 117' });
  });

  it('sends the whole destination list when a destination was added, dropped or its template edited', () => {
    const added = [...form.destinations, { storageLocationId: 'a1b2c3d4-0000-4000-8000-000000000004', pathTemplate: '{instrument}/{path}' }];
    expect(instrumentChanges(instrument, { ...form, destinations: added })).toEqual({ destinations: added });
    const dropped = form.destinations.slice(1);
    expect(instrumentChanges(instrument, { ...form, destinations: dropped })).toEqual({ destinations: dropped });
    const retemplated = [form.destinations[0], { storageLocationId: archive, pathTemplate: '{instrument}/{dir}/{name}' }];
    expect(instrumentChanges(instrument, { ...form, destinations: retemplated })).toEqual({ destinations: retemplated });
  });

  it('sends the source config with a changed source type, even a config equal to the old one, and the account change it brings', () => {
    expect(instrumentChanges(instrument, { ...form, sourceType: 'local', sourceConfig: { path: '/data/krios' }, serviceAccountId: null })).toEqual({
      sourceType: 'local',
      sourceConfig: { path: '/data/krios' },
      serviceAccountId: null,
    });
    // The API refuses a type change without a config: one that reads the same is sent all the same.
    const local = { ...instrument, sourceType: 'local' as const, sourceConfig: { path: '/data/krios' }, serviceAccountId: null };
    expect(instrumentChanges(local, { ...form, ...local, sourceType: 'rclone', sourceConfig: { path: '/data/krios' } })).toEqual({
      sourceType: 'rclone',
      sourceConfig: { path: '/data/krios' },
    });
  });

  it('sends nothing for an unchanged form: destinations in another order, an empty optional field, an empty quiet period', () => {
    expect(instrumentChanges(instrument, form)).toEqual({});
    expect(instrumentChanges(instrument, { ...form, minAgeSeconds: undefined })).toEqual({});
  });

  it('sends a connection string (which may hold a password) only when one was typed', () => {
    const rclone = { ...instrument, sourceType: 'rclone' as const, sourceConfig: { remote: ':sftp,host=example.org,user=lab,pass=OBSCURED:data' }, serviceAccountId: null };
    const untouched: InstrumentFields = { ...form, ...rclone };
    expect(instrumentChanges(rclone, { ...untouched, enabled: false })).toEqual({ enabled: false });
    const typed = { remote: ':sftp,host=example.org,user=lab,pass=NEWLYOBSCURED:data' };
    expect(instrumentChanges(rclone, { ...untouched, sourceConfig: typed })).toEqual({ sourceConfig: typed });
    // A remote the API masked (***) and left as shown is not written back over the stored one.
    const masked = { ...rclone, sourceConfig: { remote: '***' } };
    expect(instrumentChanges(masked, { ...untouched, sourceConfig: { remote: '***' } })).toEqual({});
  });
});
