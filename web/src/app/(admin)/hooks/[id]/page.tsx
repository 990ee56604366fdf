import type { Metadata } from 'next';
import Alert from '@mui/material/Alert';

import { LifecycleAlerts } from '@/components/lifecycle-alerts';
import { PageHeader } from '@/components/page-header';
import { ConfirmedActionButton, RestoreButton } from '@/components/resource-actions';
import { load, loadAll } from '@/lib/api';
import { readDetailPage, type DetailPageProps } from '@/lib/detail-page';

import { HookForm } from '../hook-form';
import { KIND_LABELS, PHASE_LABELS } from '../hook-data';

export const metadata: Metadata = { title: 'Hook' };

/** Admin only (the API refuses users). A deleted hook is shown read-only with a restore button. */
export default async function HookPage(props: DetailPageProps) {
  const { id, created } = await readDetailPage(props);
  const [hook, kinds, instruments] = await Promise.all([
    load('getHook', { path: { id } }),
    load('listHookKinds', {}),
    loadAll('listInstruments', {}),
  ]);
  const deleted = hook.deletedAt !== null;

  return (
    <>
      <PageHeader
        title={hook.name}
        subtitle={`${KIND_LABELS[hook.kind]} hook, ${PHASE_LABELS[hook.phase].toLowerCase()}, priority ${hook.priority}`}
        actions={
          !deleted && (
            <ConfirmedActionButton
              operation="deleteHook"
              id={hook.id}
              label="Delete hook"
              title={`Delete hook ${hook.name}?`}
              confirmLabel="Delete"
              destructive
              message="Harvests stop running it from their next batch on. Files it already handled keep their metadata and access; you can restore the hook later."
              redirectTo="/hooks"
            />
          )
        }
      />
      {hook.configProblem && (
        <Alert severity="error" sx={{ mb: 3 }}>
          This hook&apos;s stored config fails today&apos;s checks ({hook.configProblem}).{' '}
          {hook.enabled
            ? 'Harvests hold the files it would see until you correct the config or disable the hook.'
            : 'It is disabled, so harvests skip it; correct the config before enabling it.'}
        </Alert>
      )}
      <LifecycleAlerts
        created={created}
        createdMessage={`Hook created. ${hook.enabled ? 'Harvests run it from their next batch on.' : 'It is disabled: harvests skip it until you enable it.'}`}
        deletedAt={hook.deletedAt}
        deletedMessage="Restore it to edit it or run it again."
        restore={<RestoreButton operation="restoreHook" id={hook.id} label="Restore hook" />}
      />
      <HookForm kinds={kinds} instruments={instruments.map(({ id: instrumentId, name }) => ({ id: instrumentId, name }))} hook={hook} disabled={deleted} />
    </>
  );
}
