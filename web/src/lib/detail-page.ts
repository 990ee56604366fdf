import { param } from './format';

/** What Next.js gives a `[id]` page. */
export interface DetailPageProps {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/** The resource's id, and whether its form just created it (`?created=1`). */
export async function readDetailPage({ params, searchParams }: DetailPageProps): Promise<{ id: string; created: boolean; search: Record<string, string | string[] | undefined> }> {
  const [{ id }, search] = await Promise.all([params, searchParams]);
  return { id, created: param(search, 'created') === '1', search };
}
