import Link from 'next/link';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';

import { LifecycleAlerts } from '@/components/lifecycle-alerts';
import { PageHeader, Section } from '@/components/page-header';
import { ConfirmedActionButton, RestoreButton } from '@/components/resource-actions';
import { load, loadTogether } from '@/lib/api';
import { formatDateTime, formatCount } from '@/lib/format';

import { ACCESS_TEXT, groupMemberRows, projectMemberRows, type AccessKind, type MemberRow } from './access-data';
import { GrantsSection } from './grants-section';
import { MembersSection } from './members-section';
import { EditNamedButton } from './named-dialogs';

const GRANTS_SHOWN = 200;

/** The group or project and its members as rows. */
async function loadEntity(
  kind: AccessKind,
  id: string,
): Promise<{ entity: { id: string; name: string; description: string; createdAt: string; deletedAt: string | null }; members: MemberRow[] }> {
  if (kind === 'group') {
    const group = await load('getGroup', { path: { id } });
    return { entity: group, members: groupMemberRows(group.members) };
  }
  const project = await load('getProject', { path: { id } });
  return { entity: project, members: projectMemberRows(project.members) };
}

/** One group or project: rename, delete or restore, members, and the instruments granted to it. */
export async function AccessDetailPage({ kind, id }: { kind: AccessKind; id: string }) {
  const text = ACCESS_TEXT[kind];
  const [{ entity, members }, granted] = await loadTogether([
    loadEntity(kind, id),
    load('listInstruments', { query: kind === 'group' ? { groupId: id, limit: GRANTS_SHOWN } : { projectId: id, limit: GRANTS_SHOWN } }),
  ]);
  const deleted = entity.deletedAt !== null;
  const owner = { kind, id: entity.id, name: entity.name };

  return (
    <>
      <Button component={Link} href={text.path} size="small" sx={{ mb: 1 }}>
        ← All {text.plural}
      </Button>
      <PageHeader
        title={entity.name}
        subtitle={entity.description || `${text.title} created ${formatDateTime(entity.createdAt)}`}
        actions={
          <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
            <Button component={Link} href={`/audit?entityType=${kind}&entityId=${entity.id}`} variant="text">
              History
            </Button>
            {!deleted && <EditNamedButton kind={kind} entity={{ id: entity.id, name: entity.name, description: entity.description }} />}
            {!deleted && (
              <ConfirmedActionButton
                operation={kind === 'group' ? 'deleteGroup' : 'deleteProject'}
                id={entity.id}
                label={`Delete ${text.singular}`}
                title={`Delete ${text.singular} ${entity.name}?`}
                confirmLabel="Delete"
                destructive
                redirectTo={text.path}
                message={`Its members lose what it grants them, unless they have it another way. Members and grants are kept: restoring the ${text.singular} brings them back.`}
              />
            )}
          </Box>
        }
      />
      <LifecycleAlerts
        deletedAt={entity.deletedAt}
        deletedMessage="It grants nothing. Restore it to edit it and bring its access back."
        restore={<RestoreButton operation={kind === 'group' ? 'restoreGroup' : 'restoreProject'} id={entity.id} label={`Restore ${text.singular}`} />}
      />
      <Section title={`Members (${formatCount(members.length)})`}>
        <MembersSection owner={owner} members={members} editable={!deleted} />
      </Section>
      <Section title="Instrument grants">
        <GrantsSection owner={owner} instruments={granted.items.map(({ id: instrumentId, name, location, enabled }) => ({ id: instrumentId, name, location, enabled }))} editable={!deleted} />
        {granted.total > granted.items.length && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            Showing {formatCount(granted.items.length)} of {formatCount(granted.total)} granted instruments.
          </Typography>
        )}
      </Section>
    </>
  );
}
