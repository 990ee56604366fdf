import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import type { Page } from '@sheaf/contracts';
import { NotificationEntity } from '@sheaf/db';
import { AccessService } from '../access/access.service';
import type { Principal } from '../auth/principal';
import { notFound } from '../common/domain-error';
import { toPage } from '../common/pagination';
import type { MarkedCountDto, NotificationDto, NotificationQueryDto, UnreadCountDto } from './notifications.dto';

interface Row {
  id: string;
  kind: NotificationDto['kind'];
  instrument_id: string;
  instrument_name: string;
  run_id: string | null;
  message: string;
  created_at: Date;
  read_at: Date | null;
}

function toDto(row: Row): NotificationDto {
  return {
    id: row.id,
    kind: row.kind,
    instrumentId: row.instrument_id,
    instrumentName: row.instrument_name,
    runId: row.run_id,
    message: row.message,
    createdAt: row.created_at,
    readAt: row.read_at,
  };
}

/**
 * Failed runs, verification failures and rejected credentials (written by a database trigger
 * when a run fails), and runs that ended with held files (another trigger, when such a run ends).
 * A user gets those of the instruments they can see, admins all; read and dismissed are per user.
 */
@Injectable()
export class NotificationsService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly access: AccessService,
  ) {}

  private async visible(principal: Principal): Promise<SelectQueryBuilder<NotificationEntity>> {
    const scope = this.access.instrumentCondition(await this.access.scopeOf(principal), 'n.instrument_id');
    return this.dataSource
      .getRepository(NotificationEntity)
      .createQueryBuilder('n')
      // A deleted instrument's notifications stay, as the runs they name do.
      .withDeleted()
      .innerJoin('instruments', 'i', 'i.id = n.instrument_id')
      .leftJoin('notification_receipts', 'r', 'r.notification_id = n.id AND r.user_id = :userId', { userId: principal.id })
      .select([
        'n.id AS id',
        'n.kind AS kind',
        'n.instrument_id AS instrument_id',
        'i.name AS instrument_name',
        'n.run_id AS run_id',
        'n.message AS message',
        'n.created_at AS created_at',
        'r.read_at AS read_at',
      ])
      .where(scope.sql, scope.params)
      .andWhere('r.dismissed_at IS NULL');
  }

  /** Newest first (created, then id); dismissed ones are gone. */
  async list(principal: Principal, query: NotificationQueryDto): Promise<Page<NotificationDto>> {
    const qb = await this.visible(principal);
    if (query.unread !== undefined) qb.andWhere(query.unread ? 'r.read_at IS NULL' : 'r.read_at IS NOT NULL');
    if (query.kind) qb.andWhere('n.kind = :kind', { kind: query.kind });
    const total = await qb.getCount();
    const rows = (await qb.orderBy('n.created_at', 'DESC').addOrderBy('n.id', 'DESC').limit(query.limit).offset(query.offset).getRawMany()) as Row[];
    return toPage(rows, total, query, toDto);
  }

  async unreadCount(principal: Principal): Promise<UnreadCountDto> {
    return { count: await (await this.visible(principal)).andWhere('r.read_at IS NULL').getCount() };
  }

  private async findVisible(principal: Principal, id: string): Promise<Row> {
    const row = (await (await this.visible(principal)).andWhere('n.id = :id', { id }).getRawOne()) as Row | undefined;
    if (!row) throw notFound('Notification');
    return row;
  }

  async markRead(principal: Principal, id: string): Promise<NotificationDto> {
    await this.findVisible(principal, id);
    await this.dataSource.query(
      `INSERT INTO notification_receipts (notification_id, user_id, read_at) VALUES ($1, $2, now())
       ON CONFLICT (notification_id, user_id) DO UPDATE SET read_at = coalesce(notification_receipts.read_at, now())`,
      [id, principal.id],
    );
    return this.findVisible(principal, id).then(toDto);
  }

  /**
   * Marks every unread notification the caller sees read, in one statement: the ones `list`
   * shows as unread, chosen by the database, however many there are.
   */
  async markAllRead(principal: Principal): Promise<MarkedCountDto> {
    const [unread, params] = (await this.visible(principal)).andWhere('r.read_at IS NULL').select('n.id', 'id').getQueryAndParameters();
    const [{ count }] = (await this.dataSource.query(
      `WITH marked AS (
         INSERT INTO notification_receipts (notification_id, user_id, read_at)
         SELECT unread.id, $${params.length + 1}::uuid, now() FROM (${unread}) unread
         ON CONFLICT (notification_id, user_id) DO UPDATE SET read_at = coalesce(notification_receipts.read_at, now())
         RETURNING 1)
       SELECT count(*)::int AS count FROM marked`,
      [...params, principal.id],
    )) as Array<{ count: number }>;
    return { count };
  }

  /** Hides the notification for this user (read as well). */
  async dismiss(principal: Principal, id: string): Promise<NotificationDto> {
    const row = await this.findVisible(principal, id);
    await this.dataSource.query(
      `INSERT INTO notification_receipts (notification_id, user_id, read_at, dismissed_at) VALUES ($1, $2, now(), now())
       ON CONFLICT (notification_id, user_id) DO UPDATE
         SET dismissed_at = now(), read_at = coalesce(notification_receipts.read_at, now())`,
      [id, principal.id],
    );
    return toDto({ ...row, read_at: row.read_at ?? new Date() });
  }
}
