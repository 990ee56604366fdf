'use client';

import { Fragment, type ReactNode } from 'react';
import { useSearchParams } from 'next/navigation';

/**
 * Mounts its children afresh whenever the page's query string changes. A filter form's fields are
 * uncontrolled (`defaultValue`, so the form works without JS), and React leaves a field the user
 * changed as it was when only its default changes: after "Clear", or a link to a filtered view,
 * the fields would still show the old filter, and the next submit would send it.
 */
export function KeyedBySearch({ children }: { children: ReactNode }) {
  const params = useSearchParams();
  return <Fragment key={params.toString()}>{children}</Fragment>;
}
