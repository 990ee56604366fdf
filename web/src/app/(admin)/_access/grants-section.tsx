'use client';

import { useMemo } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import MuiLink from '@mui/material/Link';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';

import { ConfirmDialog } from '@/components/confirm-dialog';
import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { useApiAction, type ApiAction } from '@/lib/use-api-action';
import { useConfirmedRowAction } from '@/lib/use-confirmed-row-action';

import { ACCESS_TEXT, pickKey } from './access-data';
import type { AccessOwner } from './members-section';
import { AddPrincipalForm } from './principal-picker';
import { RemoveCell } from './remove-cell';

/** An instrument granted to the group or project, as the grants table shows it. */
export interface GrantedInstrument {
  id: string;
  name: string;
  location: string;
  enabled: boolean;
}

function grant(action: ApiAction, owner: AccessOwner, instrumentId: string) {
  return owner.kind === 'group'
    ? action.run('grantInstrumentToGroup', { path: { id: instrumentId, groupId: owner.id } })
    : action.run('grantInstrumentToProject', { path: { id: instrumentId, projectId: owner.id } });
}

function revoke(action: ApiAction, owner: AccessOwner, instrumentId: string) {
  return owner.kind === 'group'
    ? action.run('revokeInstrumentFromGroup', { path: { id: instrumentId, groupId: owner.id } })
    : action.run('revokeInstrumentFromProject', { path: { id: instrumentId, projectId: owner.id } });
}

/** Instruments the group or project sees (with their runs and files): grant and revoke. */
export function GrantsSection({ owner, instruments, editable }: { owner: AccessOwner; instruments: GrantedInstrument[]; editable: boolean }) {
  const router = useRouter();
  const granting = useApiAction();
  const revoking = useConfirmedRowAction((action, instrument: GrantedInstrument) => revoke(action, owner, instrument.id));
  const text = ACCESS_TEXT[owner.kind];
  const present = useMemo(() => new Set(instruments.map((i) => pickKey({ kind: 'instrument', id: i.id }))), [instruments]);

  return (
    <>
      {instruments.length === 0 ? (
        <EmptyState message={`No instrument is granted to this ${text.singular}: its members see none through it.`} />
      ) : (
        <DataTable label={`Instruments granted to ${owner.name}`} columns={['Instrument', 'Location', 'Enabled', editable && { label: 'Actions', align: 'right' }]}>
          {instruments.map((i) => (
            <TableRow key={i.id}>
              <TableCell sx={{ fontWeight: 600 }}>
                <MuiLink component={Link} href={`/instruments/${i.id}`}>
                  {i.name}
                </MuiLink>
              </TableCell>
              <TableCell>{i.location || '—'}</TableCell>
              <TableCell>{i.enabled ? 'Yes' : 'No'}</TableCell>
              {editable && <RemoveCell label="Revoke" accessibleName={`Revoke ${i.name} from ${owner.name}`} onClick={() => revoking.ask(i)} />}
            </TableRow>
          ))}
        </DataTable>
      )}
      {editable && (
        <AddPrincipalForm
          kinds={['instrument']}
          exclude={present}
          label="Grant an instrument"
          submitLabel="Grant"
          pending={granting.pending}
          error={granting.error?.message}
          onAdd={async (option) => {
            const done = await grant(granting, owner, option.id);
            if (done === undefined) return false;
            router.refresh();
            return true;
          }}
        />
      )}
      <ConfirmDialog
        {...revoking.dialogProps}
        title={`Revoke ${revoking.row?.name ?? ''} from ${owner.name}?`}
        confirmLabel="Revoke"
        destructive
      >
        Members of {owner.name} no longer see this instrument, its runs and its files through this {text.singular}. Nothing is deleted;
        you can grant it again.
      </ConfirmDialog>
    </>
  );
}
