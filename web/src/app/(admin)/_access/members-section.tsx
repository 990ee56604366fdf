'use client';

import { useMemo } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import Chip from '@mui/material/Chip';
import MuiLink from '@mui/material/Link';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';

import { ConfirmDialog } from '@/components/confirm-dialog';
import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { useApiAction, type ApiAction } from '@/lib/use-api-action';
import { useConfirmedRowAction } from '@/lib/use-confirmed-row-action';

import { ACCESS_TEXT, pickKey, type AccessKind, type MemberKind, type MemberRow } from './access-data';
import { AddPrincipalForm } from './principal-picker';
import { RemoveCell } from './remove-cell';

export interface AccessOwner {
  kind: AccessKind;
  id: string;
  name: string;
}

function addMember(action: ApiAction, owner: AccessOwner, kind: MemberKind, memberId: string) {
  if (owner.kind === 'group') return action.run('addGroupMember', { path: { id: owner.id, userId: memberId } });
  return kind === 'user'
    ? action.run('addProjectUser', { path: { id: owner.id, userId: memberId } })
    : action.run('addProjectGroup', { path: { id: owner.id, groupId: memberId } });
}

function removeMember(action: ApiAction, owner: AccessOwner, kind: MemberKind, memberId: string) {
  if (owner.kind === 'group') return action.run('removeGroupMember', { path: { id: owner.id, userId: memberId } });
  return kind === 'user'
    ? action.run('removeProjectUser', { path: { id: owner.id, userId: memberId } })
    : action.run('removeProjectGroup', { path: { id: owner.id, groupId: memberId } });
}

/** A group's or project's members: the list, remove (asks first) and add with a search picker. */
export function MembersSection({ owner, members, editable }: { owner: AccessOwner; members: MemberRow[]; editable: boolean }) {
  const router = useRouter();
  const adding = useApiAction();
  const removing = useConfirmedRowAction((action, member: MemberRow) => removeMember(action, owner, member.kind, member.id));
  const toRemove = removing.row;
  const text = ACCESS_TEXT[owner.kind];
  const present = useMemo(() => new Set(members.map(pickKey)), [members]);
  const mixed = text.memberKinds.length > 1;

  return (
    <>
      {members.length === 0 ? (
        <EmptyState message={`No members yet. Add ${mixed ? 'users or groups' : 'users'} below.`} />
      ) : (
        <DataTable label={`Members of ${owner.name}`} columns={['Name', mixed ? 'Kind / email' : 'Email', editable && { label: 'Actions', align: 'right' }]}>
          {members.map((m) => (
            <TableRow key={pickKey(m)}>
              <TableCell sx={{ fontWeight: 600 }}>
                {m.href ? (
                  <MuiLink component={Link} href={m.href}>
                    {m.name}
                  </MuiLink>
                ) : (
                  m.name
                )}
              </TableCell>
              <TableCell sx={{ overflowWrap: 'anywhere' }}>
                {m.kind === 'group' ? <Chip label="Group: all its users" size="small" variant="outlined" /> : m.detail}
              </TableCell>
              {editable && <RemoveCell label="Remove" accessibleName={`Remove ${m.name} from ${owner.name}`} onClick={() => removing.ask(m)} />}
            </TableRow>
          ))}
        </DataTable>
      )}
      {editable && (
        <AddPrincipalForm
          kinds={text.memberKinds}
          exclude={present}
          label={mixed ? 'Add a user or group' : 'Add a user'}
          submitLabel="Add member"
          pending={adding.pending}
          error={adding.error?.message}
          onAdd={async (option) => {
            if (option.kind === 'instrument') return false;
            const done = await addMember(adding, owner, option.kind, option.id);
            if (done === undefined) return false;
            router.refresh();
            return true;
          }}
        />
      )}
      <ConfirmDialog
        {...removing.dialogProps}
        title={`Remove ${toRemove?.name ?? ''} from ${owner.name}?`}
        confirmLabel="Remove"
        destructive
      >
        {toRemove?.kind === 'group'
          ? `The users of ${toRemove.name} lose what this ${text.singular} grants them, unless they have it another way.`
          : `${toRemove?.name ?? 'The user'} loses what this ${text.singular} grants, unless they have it another way. You can add them again.`}
      </ConfirmDialog>
    </>
  );
}
