'use client';

import type { ReactNode } from 'react';
import { BarChart } from '@mui/x-charts/BarChart';
import { useTheme } from '@mui/material/styles';
import Box from '@mui/material/Box';
import Grid from '@mui/material/Grid';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';

import { formatBytes, formatCount } from '@/lib/format';

import type { DayActivity } from './activity';

const CHART_HEIGHT = 240;
const DAY_LABEL = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** One bar group; the index signature is what the charts' `dataset` asks for. */
type Row = { label: string; filesDone: number; filesFailed: number; bytesDone: number; [key: string]: string | number };

/** Theme colours as CSS variables: the bars follow a theme switch without a re-render. */
function useChartColors() {
  const theme = useTheme();
  const palette = (theme.vars ?? theme).palette;
  return { files: palette.primary.main, failed: palette.error.main, bytes: palette.secondary.main };
}

function ChartCard({ title, summary, children }: { title: string; summary: string; children: ReactNode }) {
  return (
    <Paper component="figure" variant="outlined" aria-label={`${title}: ${summary}`} sx={{ m: 0, p: 2, height: '100%' }}>
      <Box component="figcaption" sx={{ mb: 1 }}>
        <Typography variant="subtitle1" component="h3" sx={{ fontWeight: 600 }}>
          {title}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {summary}
        </Typography>
      </Box>
      {children}
    </Paper>
  );
}

/** Files and bytes harvested per day (UTC), as two bar charts side by side. */
export function ActivityCharts({ days }: { days: DayActivity[] }) {
  const colors = useChartColors();
  const rows: Row[] = days.map((d) => ({
    label: DAY_LABEL.format(new Date(`${d.day}T00:00:00Z`)),
    filesDone: d.filesDone,
    filesFailed: d.filesFailed,
    bytesDone: d.bytesDone,
  }));
  const files = days.reduce((sum, d) => sum + d.filesDone, 0);
  const failed = days.reduce((sum, d) => sum + d.filesFailed, 0);
  const bytes = days.reduce((sum, d) => sum + d.bytesDone, 0);
  const xAxis = [{ scaleType: 'band' as const, dataKey: 'label', tickLabelMinGap: 8 }];

  return (
    <Grid container spacing={2}>
      <Grid size={{ xs: 12, md: 6 }}>
        <ChartCard
          title="Files harvested per day (UTC)"
          summary={`${formatCount(files)} verified${failed ? `, ${formatCount(failed)} failed` : ''} in ${days.length} days`}
        >
          <BarChart
            height={CHART_HEIGHT}
            dataset={rows}
            xAxis={xAxis}
            yAxis={[{ valueFormatter: (v: number) => formatCount(v), width: 56 }]}
            series={[
              { dataKey: 'filesDone', label: 'Verified', stack: 'files', color: colors.files, valueFormatter: (v) => formatCount(v ?? 0) },
              { dataKey: 'filesFailed', label: 'Failed', stack: 'files', color: colors.failed, valueFormatter: (v) => formatCount(v ?? 0) },
            ]}
            margin={{ left: 0, right: 8, top: 8, bottom: 0 }}
          />
        </ChartCard>
      </Grid>
      <Grid size={{ xs: 12, md: 6 }}>
        <ChartCard title="Bytes harvested per day (UTC)" summary={`${formatBytes(bytes)} verified in ${days.length} days`}>
          <BarChart
            height={CHART_HEIGHT}
            dataset={rows}
            xAxis={xAxis}
            yAxis={[{ valueFormatter: (v: number) => formatBytes(v), width: 64 }]}
            series={[{ dataKey: 'bytesDone', label: 'Bytes', color: colors.bytes, valueFormatter: (v) => formatBytes(v ?? 0) }]}
            hideLegend
            margin={{ left: 0, right: 8, top: 8, bottom: 0 }}
          />
        </ChartCard>
      </Grid>
    </Grid>
  );
}
