import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Page } from '@sheaf/contracts';
import { GroupEntity, GroupMemberEntity, UserEntity } from '@sheaf/db';
import { refuseNameOfDeleted, renameWithGrants } from '../access/name-grants';
import { AuditService } from '../audit/audit.service';
import type { UserSummaryDto } from '../auth/auth.dto';
import { toSummary } from '../auth/auth.service';
import type { Principal } from '../auth/principal';
import { transactionOrConflict, type UniqueConflict } from '../common/db-errors';
import { notFound } from '../common/domain-error';
import { toPage } from '../common/pagination';
import { likeContains } from '../common/query';
import { lockRow } from '../common/rows';
import type { CreateGroupDto, GroupDetailDto, GroupDto, NamedQueryDto, UpdateGroupDto } from './groups.dto';

const NAME_TAKEN: UniqueConflict = { constraint: 'groups_name_live', code: 'name_taken', message: 'Another group has this name', field: 'name' };

function toDto(group: GroupEntity, memberCount: number): GroupDto {
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    memberCount,
    createdAt: group.createdAt,
    updatedAt: group.updatedAt,
    deletedAt: group.deletedAt,
  };
}

/** Groups of users; instruments and projects are granted to groups. Admins manage them. */
@Injectable()
export class GroupsService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  private async members(manager: EntityManager, groupId: string): Promise<UserSummaryDto[]> {
    const users = await manager
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .innerJoin(GroupMemberEntity, 'm', 'm.user_id = u.id AND m.group_id = :groupId', { groupId })
      .orderBy('u.email')
      .addOrderBy('u.id')
      .getMany();
    return users.map(toSummary);
  }

  private async detail(manager: EntityManager, group: GroupEntity): Promise<GroupDetailDto> {
    const members = await this.members(manager, group.id);
    return { ...toDto(group, members.length), members };
  }

  /** Ordered by name, then id. */
  async list(query: NamedQueryDto): Promise<Page<GroupDto>> {
    const qb = this.dataSource
      .getRepository(GroupEntity)
      .createQueryBuilder('g')
      .withDeleted()
      .where(query.deleted ? 'g.deleted_at IS NOT NULL' : 'g.deleted_at IS NULL');
    if (query.q) qb.andWhere('g.name ILIKE :pattern', { pattern: likeContains(query.q) });
    const [rows, total] = await qb.orderBy('g.name').addOrderBy('g.id').take(query.limit).skip(query.offset).getManyAndCount();
    const counts = new Map<string, number>(
      ((await this.dataSource.query(`SELECT m.group_id, count(*)::int AS n
           FROM group_members m JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
          WHERE m.group_id = ANY($1) GROUP BY m.group_id`, [
        rows.map((g) => g.id),
      ])) as Array<{ group_id: string; n: number }>).map((r) => [r.group_id, r.n]),
    );
    return toPage(rows, total, query, (g) => toDto(g, counts.get(g.id) ?? 0));
  }

  async get(id: string): Promise<GroupDetailDto> {
    const group = await this.dataSource.getRepository(GroupEntity).findOne({ where: { id }, withDeleted: true });
    if (!group) throw notFound('Group');
    return this.detail(this.dataSource.manager, group);
  }

  private write(work: (tx: EntityManager) => Promise<GroupDetailDto>): Promise<GroupDetailDto> {
    return transactionOrConflict(this.dataSource, NAME_TAKEN, work);
  }

  create(actor: Principal, body: CreateGroupDto): Promise<GroupDetailDto> {
    return this.write(async (tx) => {
      await refuseNameOfDeleted(tx, { kind: 'groups', name: body.name });
      const repo = tx.getRepository(GroupEntity);
      const group = await repo.save(repo.create({ name: body.name, description: body.description ?? '' }));
      const after = await this.detail(tx, group);
      await this.audit.record(tx, actor, { action: 'group.created', entityType: 'group', entityId: group.id, after });
      return after;
    });
  }

  update(actor: Principal, id: string, body: UpdateGroupDto): Promise<GroupDetailDto> {
    return this.write(async (tx) => {
      const group = await lockRow(tx, GroupEntity, id, 'Group');
      const before = await this.detail(tx, group);
      const grants = body.name === undefined ? {} : await renameWithGrants(tx, { kind: 'groups', from: group.name, to: body.name, choice: body.grantsByName }, { service: this.audit, actor });
      if (body.name !== undefined) group.name = body.name;
      if (body.description !== undefined) group.description = body.description;
      const after = await this.detail(tx, await tx.getRepository(GroupEntity).save(group));
      await this.audit.record(tx, actor, { action: 'group.updated', entityType: 'group', entityId: id, before, after: { ...after, ...grants } });
      return after;
    });
  }

  /** Soft delete: members and grants stay, and count again after a restore. */
  remove(actor: Principal, id: string): Promise<GroupDetailDto> {
    return this.setDeleted(actor, id, true);
  }

  restore(actor: Principal, id: string): Promise<GroupDetailDto> {
    return this.setDeleted(actor, id, false);
  }

  private setDeleted(actor: Principal, id: string, deleted: boolean): Promise<GroupDetailDto> {
    return this.write(async (tx) => {
      const group = await lockRow(tx, GroupEntity, id, 'Group', !deleted);
      const before = await this.detail(tx, group);
      group.deletedAt = deleted ? new Date() : null;
      const after = await this.detail(tx, await tx.getRepository(GroupEntity).save(group));
      await this.audit.record(tx, actor, { action: deleted ? 'group.deleted' : 'group.restored', entityType: 'group', entityId: id, before, after });
      return after;
    });
  }

  addMember(actor: Principal, id: string, userId: string): Promise<GroupDetailDto> {
    return this.write(async (tx) => {
      const group = await lockRow(tx, GroupEntity, id, 'Group');
      const user = await tx.getRepository(UserEntity).findOneBy({ id: userId });
      if (!user) throw notFound('User', 'userId');
      const inserted = await tx.query(`INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING user_id`, [id, userId]);
      if ((inserted as unknown[]).length) {
        await this.audit.record(tx, actor, { action: 'group.member_added', entityType: 'group', entityId: id, after: { userId, email: user.email } });
      }
      return this.detail(tx, group);
    });
  }

  /** From a deleted group too: its members stay, and a restore would bring this one back. */
  removeMember(actor: Principal, id: string, userId: string): Promise<GroupDetailDto> {
    return this.write(async (tx) => {
      const group = await lockRow(tx, GroupEntity, id, 'Group', 'either');
      const removed = await tx.getRepository(GroupMemberEntity).delete({ groupId: id, userId });
      if (!removed.affected) throw notFound('Member', 'userId');
      // A deleted user stays a member (hidden while deleted) and can be removed too.
      const user = await tx.getRepository(UserEntity).findOneOrFail({ where: { id: userId }, withDeleted: true });
      await this.audit.record(tx, actor, { action: 'group.member_removed', entityType: 'group', entityId: id, before: { userId, email: user.email } });
      return this.detail(tx, group);
    });
  }
}
