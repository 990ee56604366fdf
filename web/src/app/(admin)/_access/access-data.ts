import { MAX_PAGE_SIZE } from '@sheaf/contracts';

import type { PrincipalRefDto, UserSummaryDto } from '@/lib/api-types';

/**
 * Groups and projects: both are named sets of people that instruments are granted to. A group's
 * members are users; a project's members are users or groups (a group brings all its users).
 */
export type AccessKind = 'group' | 'project';

export type MemberKind = 'user' | 'group';

/** What the pickers search: people, groups, or instruments to grant. */
export type PickKind = MemberKind | 'instrument';

export interface AccessText {
  singular: string;
  plural: string;
  /** Capitalised, for titles and buttons. */
  title: string;
  titlePlural: string;
  path: string;
  /** Shown under the list page's title. */
  intro: string;
  /** Member kinds this owner accepts. */
  memberKinds: readonly MemberKind[];
}

export const ACCESS_TEXT: Record<AccessKind, AccessText> = {
  group: {
    singular: 'group',
    plural: 'groups',
    title: 'Group',
    titlePlural: 'Groups',
    path: '/groups',
    intro: 'Teams of users. An instrument granted to a group is visible to all its members, with its runs and files.',
    memberKinds: ['user'],
  },
  project: {
    singular: 'project',
    plural: 'projects',
    title: 'Project',
    titlePlural: 'Projects',
    path: '/projects',
    intro: 'Collaborations of users and whole groups. An instrument granted to a project is visible to everyone in it.',
    memberKinds: ['user', 'group'],
  },
};

export const PICK_KIND_LABELS: Record<PickKind, string> = {
  user: 'Users',
  group: 'Groups',
  instrument: 'Instruments',
};

/** One member row, whatever the owner: a user (with email) or a group (with a link). */
export interface MemberRow {
  kind: MemberKind;
  id: string;
  name: string;
  /** Secondary text: a user's email. */
  detail?: string;
  href?: string;
}

/** A picker's option; `key` is unique across kinds. */
export interface PickOption {
  kind: PickKind;
  id: string;
  label: string;
  detail?: string;
}

export function pickKey(option: { kind: string; id: string }): string {
  return `${option.kind}:${option.id}`;
}

/** The options a picker offers of each kind, after those already present are left out. */
export const PICK_SEARCH_SHOWN = 20;

/**
 * How many of a kind a picker's search asks for: enough that PICK_SEARCH_SHOWN are left once the
 * entries already present (`exclude`, by pickKey) are left out, up to the API's largest page.
 */
export function pickSearchLimit(kind: PickKind, exclude: ReadonlySet<string>): number {
  let present = 0;
  for (const key of exclude) if (key.startsWith(`${kind}:`)) present += 1;
  return Math.min(MAX_PAGE_SIZE, PICK_SEARCH_SHOWN + present);
}

/**
 * The hint a picker shows among a kind's options when the search matched more than it was given:
 * the rest are found by typing, not missing (nor "nothing left to add").
 */
export function morePicksHint(kind: PickKind, matched: number, given: number): string | undefined {
  if (matched <= given) return undefined;
  return `More ${PICK_KIND_LABELS[kind].toLowerCase()} match than are listed: type to narrow the search.`;
}

export function groupMemberRows(members: readonly UserSummaryDto[]): MemberRow[] {
  return members.map((u) => ({ kind: 'user', id: u.id, name: u.displayName, detail: u.email }));
}

/** The API names a user in a reference as `Display Name <email>`; shown as name and email. */
export function splitUserRef(ref: string): { name: string; detail?: string } {
  const match = /^(.*) <([^<>]+)>$/.exec(ref);
  return match ? { name: match[1], detail: match[2] } : { name: ref };
}

/** Users first, then groups, each in the API's order; a project cannot contain a project. */
export function projectMemberRows(members: readonly PrincipalRefDto[]): MemberRow[] {
  const rows: MemberRow[] = [];
  for (const kind of ['user', 'group'] as const) {
    for (const m of members) {
      if (m.kind !== kind) continue;
      rows.push(kind === 'group' ? { kind, id: m.id, name: m.name, href: `/groups/${m.id}` } : { kind, id: m.id, ...splitUserRef(m.name) });
    }
  }
  return rows;
}

export function countLabel(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
