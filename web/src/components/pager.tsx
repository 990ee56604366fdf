import Link from 'next/link';
import { redirect } from 'next/navigation';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';

import { formatCount } from '@/lib/format';

/** Previous/next links for a server-side paginated list; keeps the other search parameters. A server component. */
export function Pager({
  basePath,
  params,
  total,
  limit,
  offset,
}: {
  basePath: string;
  params: Record<string, string>;
  total: number;
  limit: number;
  offset: number;
}) {
  const href = (next: number) => {
    const search = new URLSearchParams({ ...params, offset: String(next) });
    if (next === 0) search.delete('offset');
    for (const [key, value] of [...search.entries()]) if (value === '') search.delete(key);
    const query = search.toString();
    return query ? `${basePath}?${query}` : basePath;
  };
  // Past the end (the last rows of the last page were deleted, or an old link): the last page,
  // rather than "51–50 of 50" over a list that says it is empty.
  if (total > 0 && offset >= total) redirect(href(Math.floor((total - 1) / limit) * limit));
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(offset + limit, total);
  return (
    <Box component="nav" aria-label="Pages" sx={{ display: 'flex', alignItems: 'center', gap: 1, mt: 2 }}>
      <Typography variant="body2" color="text.secondary" sx={{ flexGrow: 1 }}>
        {formatCount(first)}–{formatCount(last)} of {formatCount(total)}
      </Typography>
      <Button component={Link} href={href(Math.max(0, offset - limit))} disabled={offset === 0} size="small">
        Previous
      </Button>
      <Button component={Link} href={href(offset + limit)} disabled={offset + limit >= total} size="small">
        Next
      </Button>
    </Box>
  );
}
