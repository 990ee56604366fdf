import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Page } from '@sheaf/contracts';
import { GroupEntity, ProjectEntity, ProjectMemberEntity, UserEntity } from '@sheaf/db';
import type { PrincipalRefDto } from '../access/access.dto';
import { refuseNameOfDeleted, renameWithGrants } from '../access/name-grants';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { transactionOrConflict, type UniqueConflict } from '../common/db-errors';
import { notFound } from '../common/domain-error';
import { toPage } from '../common/pagination';
import { likeContains } from '../common/query';
import { lockRow } from '../common/rows';
import type { NamedQueryDto } from '../groups/groups.dto';
import type { CreateProjectDto, ProjectDetailDto, ProjectDto, UpdateProjectDto } from './projects.dto';

const NAME_TAKEN: UniqueConflict = { constraint: 'projects_name_live', code: 'name_taken', message: 'Another project has this name', field: 'name' };

function toDto(project: ProjectEntity, memberCount: number): ProjectDto {
  return {
    id: project.id,
    name: project.name,
    description: project.description,
    memberCount,
    createdAt: project.createdAt,
    updatedAt: project.updatedAt,
    deletedAt: project.deletedAt,
  };
}

export type ProjectMemberKind = 'user' | 'group';

/** A member as its audit events name it: a user by name and email, a group by name. */
function memberRef(kind: ProjectMemberKind, member: UserEntity | GroupEntity): Record<string, string> {
  return member instanceof UserEntity ? { kind, id: member.id, name: member.displayName, email: member.email } : { kind, id: member.id, name: member.name };
}

/** Projects: users and groups as members; instruments are granted to projects. Admins manage them. */
@Injectable()
export class ProjectsService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  private async members(manager: EntityManager, projectId: string): Promise<PrincipalRefDto[]> {
    const rows = (await manager.query(
      `SELECT 'user' AS kind, u.id, u.display_name || ' <' || u.email || '>' AS name
         FROM project_members m JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL WHERE m.project_id = $1
       UNION ALL
       SELECT 'group' AS kind, g.id, g.name
         FROM project_members m JOIN groups g ON g.id = m.group_id AND g.deleted_at IS NULL WHERE m.project_id = $1
       ORDER BY kind, name, id`,
      [projectId],
    )) as PrincipalRefDto[];
    return rows;
  }

  private async detail(manager: EntityManager, project: ProjectEntity): Promise<ProjectDetailDto> {
    const members = await this.members(manager, project.id);
    return { ...toDto(project, members.length), members };
  }

  /** Ordered by name, then id. */
  async list(query: NamedQueryDto): Promise<Page<ProjectDto>> {
    const qb = this.dataSource
      .getRepository(ProjectEntity)
      .createQueryBuilder('p')
      .withDeleted()
      .where(query.deleted ? 'p.deleted_at IS NOT NULL' : 'p.deleted_at IS NULL');
    if (query.q) qb.andWhere('p.name ILIKE :pattern', { pattern: likeContains(query.q) });
    const [rows, total] = await qb.orderBy('p.name').addOrderBy('p.id').take(query.limit).skip(query.offset).getManyAndCount();
    const counts = new Map<string, number>(
      ((await this.dataSource.query(`SELECT m.project_id, count(*)::int AS n
           FROM project_members m
           LEFT JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
           LEFT JOIN groups g ON g.id = m.group_id AND g.deleted_at IS NULL
          WHERE m.project_id = ANY($1) AND (u.id IS NOT NULL OR g.id IS NOT NULL) GROUP BY m.project_id`, [
        rows.map((p) => p.id),
      ])) as Array<{ project_id: string; n: number }>).map((r) => [r.project_id, r.n]),
    );
    return toPage(rows, total, query, (p) => toDto(p, counts.get(p.id) ?? 0));
  }

  async get(id: string): Promise<ProjectDetailDto> {
    const project = await this.dataSource.getRepository(ProjectEntity).findOne({ where: { id }, withDeleted: true });
    if (!project) throw notFound('Project');
    return this.detail(this.dataSource.manager, project);
  }

  private write(work: (tx: EntityManager) => Promise<ProjectDetailDto>): Promise<ProjectDetailDto> {
    return transactionOrConflict(this.dataSource, NAME_TAKEN, work);
  }

  create(actor: Principal, body: CreateProjectDto): Promise<ProjectDetailDto> {
    return this.write(async (tx) => {
      await refuseNameOfDeleted(tx, { kind: 'projects', name: body.name });
      const repo = tx.getRepository(ProjectEntity);
      const project = await repo.save(repo.create({ name: body.name, description: body.description ?? '' }));
      const after = await this.detail(tx, project);
      await this.audit.record(tx, actor, { action: 'project.created', entityType: 'project', entityId: project.id, after });
      return after;
    });
  }

  update(actor: Principal, id: string, body: UpdateProjectDto): Promise<ProjectDetailDto> {
    return this.write(async (tx) => {
      const project = await lockRow(tx, ProjectEntity, id, 'Project');
      const before = await this.detail(tx, project);
      const grants = body.name === undefined ? {} : await renameWithGrants(tx, { kind: 'projects', from: project.name, to: body.name, choice: body.grantsByName }, { service: this.audit, actor });
      if (body.name !== undefined) project.name = body.name;
      if (body.description !== undefined) project.description = body.description;
      const after = await this.detail(tx, await tx.getRepository(ProjectEntity).save(project));
      await this.audit.record(tx, actor, { action: 'project.updated', entityType: 'project', entityId: id, before, after: { ...after, ...grants } });
      return after;
    });
  }

  remove(actor: Principal, id: string): Promise<ProjectDetailDto> {
    return this.setDeleted(actor, id, true);
  }

  restore(actor: Principal, id: string): Promise<ProjectDetailDto> {
    return this.setDeleted(actor, id, false);
  }

  private setDeleted(actor: Principal, id: string, deleted: boolean): Promise<ProjectDetailDto> {
    return this.write(async (tx) => {
      const project = await lockRow(tx, ProjectEntity, id, 'Project', !deleted);
      const before = await this.detail(tx, project);
      project.deletedAt = deleted ? new Date() : null;
      const after = await this.detail(tx, await tx.getRepository(ProjectEntity).save(project));
      await this.audit.record(tx, actor, { action: deleted ? 'project.deleted' : 'project.restored', entityType: 'project', entityId: id, before, after });
      return after;
    });
  }

  addMember(actor: Principal, id: string, kind: ProjectMemberKind, memberId: string): Promise<ProjectDetailDto> {
    return this.write(async (tx) => {
      const project = await lockRow(tx, ProjectEntity, id, 'Project');
      const member = kind === 'user' ? await tx.getRepository(UserEntity).findOneBy({ id: memberId }) : await tx.getRepository(GroupEntity).findOneBy({ id: memberId });
      if (!member) throw notFound(kind === 'user' ? 'User' : 'Group', kind === 'user' ? 'userId' : 'groupId');
      const column = kind === 'user' ? 'user_id' : 'group_id';
      const inserted = (await tx.query(
        `INSERT INTO project_members (project_id, ${column}) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id`,
        [id, memberId],
      )) as unknown[];
      if (inserted.length) {
        await this.audit.record(tx, actor, { action: 'project.member_added', entityType: 'project', entityId: id, after: memberRef(kind, member) });
      }
      return this.detail(tx, project);
    });
  }

  /** From a deleted project too: its members stay, and a restore would bring this one back. */
  removeMember(actor: Principal, id: string, kind: ProjectMemberKind, memberId: string): Promise<ProjectDetailDto> {
    return this.write(async (tx) => {
      const project = await lockRow(tx, ProjectEntity, id, 'Project', 'either');
      const removed = await tx.getRepository(ProjectMemberEntity).delete(kind === 'user' ? { projectId: id, userId: memberId } : { projectId: id, groupId: memberId });
      if (!removed.affected) throw notFound('Member', kind === 'user' ? 'userId' : 'groupId');
      // A deleted user or group stays a member (hidden while deleted) and can be removed too.
      const where = { where: { id: memberId }, withDeleted: true };
      const member = kind === 'user' ? await tx.getRepository(UserEntity).findOneOrFail(where) : await tx.getRepository(GroupEntity).findOneOrFail(where);
      await this.audit.record(tx, actor, { action: 'project.member_removed', entityType: 'project', entityId: id, before: memberRef(kind, member) });
      return this.detail(tx, project);
    });
  }
}
