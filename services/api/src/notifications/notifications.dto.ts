import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn } from 'class-validator';
import { NOTIFICATION_KINDS, type NotificationKind } from '@sheaf/contracts';
import { PageQueryDto } from '../common/pagination';
import { ToBoolean } from '../common/query';
import { OptionalField } from '../common/validation';

export class NotificationDto {
  @ApiProperty() id!: string;
  @ApiProperty({
    enum: NOTIFICATION_KINDS,
    description: 'run_failed, verification_failed or credentials_rejected: a run failed (one of them per failed run); files_held: a run ended with held files (one per run)',
  })
  kind!: NotificationKind;
  @ApiProperty({ format: 'uuid' }) instrumentId!: string;
  @ApiProperty() instrumentName!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) runId!: string | null;
  @ApiProperty() message!: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) readAt!: Date | null;
}

export class UnreadCountDto {
  @ApiProperty({ type: 'integer' }) count!: number;
}

export class MarkedCountDto {
  @ApiProperty({ type: 'integer', description: 'Notifications newly marked' }) count!: number;
}

export class NotificationQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only unread (true) or only read (false) ones' })
  @OptionalField()
  @ToBoolean()
  @IsBoolean({ message: 'unread must be true or false' })
  unread?: boolean;

  @ApiPropertyOptional({ enum: NOTIFICATION_KINDS })
  @OptionalField()
  @IsIn(NOTIFICATION_KINDS, { message: `kind must be one of ${NOTIFICATION_KINDS.join(', ')}` })
  kind?: NotificationKind;
}
