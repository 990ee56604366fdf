import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Page } from '@sheaf/contracts';
import { CurrentUser } from '../auth/current-user.decorator';
import type { Principal } from '../auth/principal';
import { PageOf } from '../common/pagination';
import { IntIdParam } from '../common/params';
import { MarkedCountDto, NotificationDto, NotificationQueryDto, UnreadCountDto } from './notifications.dto';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOkResponse({ type: PageOf(NotificationDto) })
  listNotifications(@CurrentUser() user: Principal, @Query() query: NotificationQueryDto): Promise<Page<NotificationDto>> {
    return this.notifications.list(user, query);
  }

  @Get('unread-count')
  @ApiOkResponse({ type: UnreadCountDto })
  countUnreadNotifications(@CurrentUser() user: Principal): Promise<UnreadCountDto> {
    return this.notifications.unreadCount(user);
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOkResponse({ type: MarkedCountDto })
  markAllNotificationsRead(@CurrentUser() user: Principal): Promise<MarkedCountDto> {
    return this.notifications.markAllRead(user);
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOkResponse({ type: NotificationDto })
  markNotificationRead(@CurrentUser() user: Principal, @IntIdParam() id: string): Promise<NotificationDto> {
    return this.notifications.markRead(user, id);
  }

  @Post(':id/dismiss')
  @HttpCode(200)
  @ApiOkResponse({ type: NotificationDto })
  dismissNotification(@CurrentUser() user: Principal, @IntIdParam() id: string): Promise<NotificationDto> {
    return this.notifications.dismiss(user, id);
  }
}
