import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import Link from 'next/link';
import Box from '@mui/material/Box';
import MuiLink from '@mui/material/Link';
import TableCell from '@mui/material/TableCell';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';

import { CopyButton } from '@/components/copy-button';
import { DataTable } from '@/components/data-table';
import { EmptyState } from '@/components/empty-state';
import { PageHeader, Section } from '@/components/page-header';
import { StatusChip } from '@/components/status-chip';
import { load } from '@/lib/api';
import { formatBytes, formatDateTime, formatDuration } from '@/lib/format';
import { serverConfig } from '@/lib/server-config';

export const metadata: Metadata = { title: 'File' };

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <TableRow>
      <TableCell component="th" scope="row" sx={{ width: 200, color: 'text.secondary', verticalAlign: 'top' }}>
        {label}
      </TableCell>
      <TableCell sx={{ overflowWrap: 'anywhere' }}>{children}</TableCell>
    </TableRow>
  );
}

const mono = { fontFamily: 'monospace', fontSize: '0.85rem', overflowWrap: 'anywhere' } as const;

export default async function FilePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const file = await load('getFile', { path: { id } });
  // The access hook can grant a file without its instrument: then its instrument and runs are
  // named without links (which would lead to "not found").
  const instrumentVisible = file.instrumentVisible;
  const metadata = Object.entries(file.metadata);

  return (
    <>
      <PageHeader
        title={file.name}
        subtitle={
          <>
            <Box component="span" sx={mono}>
              {file.path}
            </Box>{' '}
            on{' '}
            {instrumentVisible ? (
              <MuiLink component={Link} href={`/instruments/${file.instrumentId}`}>
                {file.instrumentName}
              </MuiLink>
            ) : (
              file.instrumentName
            )}
          </>
        }
      />
      <DataTable label="File facts" sx={{ mb: 4 }}>
        <Row label="ARK">
          {file.ark ? (
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
              <Box component="span" sx={mono}>
                {file.ark}
              </Box>
              <CopyButton value={file.ark} accessibleName="Copy ARK" size="small" />
              <MuiLink href={`${serverConfig.arkResolverBase}${file.ark}`} target="_blank" rel="noopener noreferrer">
                Resolver link
              </MuiLink>
            </Box>
          ) : (
            'Not minted yet'
          )}
        </Row>
        <Row label="Status">
          <StatusChip status={file.status} /> {file.reason ?? ''}
        </Row>
        <Row label="SHA-256">
          <Box component="span" sx={mono}>
            {file.sha256 ?? '—'}
          </Box>
        </Row>
        <Row label="Verified">{formatDateTime(file.verifiedAt)}</Row>
        <Row label="Size">{formatBytes(file.size)} ({file.size.toLocaleString('en-GB')} bytes)</Row>
        <Row label="Acquired (source mtime)">{formatDateTime(file.mtime)}</Row>
        <Row label="Version">
          {file.version} · {file.attempts} copy attempt(s)
        </Row>
        <Row label="Access">
          {[...file.access.groups.map((g) => `group ${g}`), ...file.access.projects.map((p) => `project ${p}`)].join(', ') ||
            'Through the instrument'}
        </Row>
      </DataTable>

      <Section title="Metadata">
        {metadata.length === 0 ? (
          <EmptyState message="No metadata was extracted for this file." />
        ) : (
          <DataTable label="Metadata">
            {metadata.map(([key, value]) => (
              <Row key={key} label={key}>
                {value}
              </Row>
            ))}
          </DataTable>
        )}
      </Section>

      <Section title="Destinations">
        {file.deliveries.length === 0 ? (
          <EmptyState message="Not delivered anywhere yet." />
        ) : (
          <DataTable label="Destinations" columns={['Storage location', 'Path', 'Status', 'Destination SHA-256', 'Verified']}>
            {file.deliveries.map((d) => (
              <TableRow key={d.storageLocationId}>
                <TableCell>
                  {d.storageLocationName} ({d.storageType})
                </TableCell>
                <TableCell sx={mono}>{d.destinationPath}</TableCell>
                <TableCell>
                  <StatusChip status={d.status} />
                  {d.reason && (
                    <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
                      {d.reason}; the next run tries again
                    </Typography>
                  )}
                </TableCell>
                <TableCell sx={mono}>
                  {d.destinationSha256 ?? '—'}
                  {d.destinationSha256 && d.sourceSha256 && d.destinationSha256 !== d.sourceSha256 && (
                    <Typography component="span" color="error" variant="body2">
                      {' '}
                      (differs from source)
                    </Typography>
                  )}
                </TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(d.verifiedAt)}</TableCell>
              </TableRow>
            ))}
          </DataTable>
        )}
      </Section>

      <Section title="Versions">
        <DataTable label="Versions" columns={['Version', 'Status', { label: 'Size', align: 'right' }, 'Source mtime', 'ARK']}>
          {file.versions.map((v) => (
            <TableRow key={v.id} selected={v.id === file.id}>
              <TableCell>
                {v.id === file.id ? (
                  `${v.version} (this one)`
                ) : (
                  <MuiLink component={Link} href={`/files/${v.id}`}>
                    {v.version}
                  </MuiLink>
                )}
              </TableCell>
              <TableCell>
                <StatusChip status={v.status} />
              </TableCell>
              <TableCell align="right">{formatBytes(v.size)}</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(v.mtime)}</TableCell>
              <TableCell sx={mono}>{v.ark ?? '—'}</TableCell>
            </TableRow>
          ))}
        </DataTable>
        {file.versionsTruncated && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            Only the newest {file.versions.length} versions are listed.{' '}
            <MuiLink component={Link} href={`/files?${new URLSearchParams({ instrumentId: file.instrumentId, path: file.path, sort: 'newest' }).toString()}`}>
              Search the file list for this path
            </MuiLink>
          </Typography>
        )}
      </Section>

      <Section title="Transfer history">
        {file.transfers.length === 0 ? (
          <EmptyState message="No copy attempts yet." />
        ) : (
          <DataTable label="Transfer history" columns={['When', 'Destination', 'Attempt', 'Outcome', { label: 'Duration', align: 'right' }, 'Run']}>
            {file.transfers.map((t) => (
              <TableRow key={t.id}>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(t.createdAt)}</TableCell>
                <TableCell>{t.storageLocationName}</TableCell>
                <TableCell>{t.attempt}</TableCell>
                <TableCell>
                  <StatusChip status={t.status} /> {t.error ?? ''}
                </TableCell>
                <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>{formatDuration(t.durationMs)}</TableCell>
                <TableCell>
                  {instrumentVisible && (
                    <MuiLink component={Link} href={`/runs/${t.runId}`}>
                      Open run
                    </MuiLink>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </DataTable>
        )}
      </Section>
    </>
  );
}
