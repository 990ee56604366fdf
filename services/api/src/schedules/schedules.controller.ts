import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBadGatewayResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Page } from '@sheaf/contracts';
import { CurrentUser } from '../auth/current-user.decorator';
import type { Principal } from '../auth/principal';
import { PageOf } from '../common/pagination';
import { UuidParam } from '../common/params';
import { AdminOnly } from '../common/public.decorator';
import { BackfillDto, CreateScheduleDto, RunNowDto, ScheduleDetailDto, ScheduleDto, ScheduleQueryDto, UpdateScheduleDto } from './schedules.dto';
import { SchedulesService } from './schedules.service';

/** The 502 of the calls that push a schedule to Temporal first. */
const TEMPORAL_REFUSED = { description: 'Temporal refused the schedule (`temporal_refused`); the message says why, and the schedule keeps it as `syncError`' };
/** The 502 of the calls on a Temporal Schedule, which push it again when Temporal lost it. */
const TEMPORAL_REFUSED_CALL = {
  description: `${TEMPORAL_REFUSED.description}. A schedule Temporal lost (deleted in its UI) is pushed again and the call made once more; still missing: \`temporal_refused\` too`,
};
/** The 409 of the calls that start harvests, as `POST /api/harvests` would refuse them. */
const NOT_HARVESTABLE = { description: 'The instrument is disabled (`instrument_disabled`) or has no destination (`no_destination`)' };

@ApiTags('schedules')
@ApiBearerAuth()
@Controller('api/schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Get()
  @ApiOkResponse({ type: PageOf(ScheduleDto) })
  listSchedules(@CurrentUser() user: Principal, @Query() query: ScheduleQueryDto): Promise<Page<ScheduleDto>> {
    return this.schedules.list(user, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: ScheduleDetailDto })
  getSchedule(@CurrentUser() user: Principal, @UuidParam() id: string): Promise<ScheduleDetailDto> {
    return this.schedules.get(user, id);
  }

  @Post()
  @AdminOnly()
  @ApiCreatedResponse({ type: ScheduleDto, description: '`synced: false` when Temporal was unreachable; a re-sync follows' })
  createSchedule(@CurrentUser() actor: Principal, @Body() body: CreateScheduleDto): Promise<ScheduleDto> {
    return this.schedules.create(actor, body);
  }

  @Patch(':id')
  @AdminOnly()
  @ApiOkResponse({ type: ScheduleDto })
  updateSchedule(@CurrentUser() actor: Principal, @UuidParam() id: string, @Body() body: UpdateScheduleDto): Promise<ScheduleDto> {
    return this.schedules.update(actor, id, body);
  }

  @Delete(':id')
  @AdminOnly()
  @ApiOkResponse({ type: ScheduleDto })
  deleteSchedule(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<ScheduleDto> {
    return this.schedules.remove(actor, id);
  }

  @Post(':id/restore')
  @AdminOnly()
  @HttpCode(200)
  @ApiOkResponse({ type: ScheduleDto })
  restoreSchedule(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<ScheduleDto> {
    return this.schedules.restore(actor, id);
  }

  @Post(':id/sync')
  @AdminOnly()
  @HttpCode(200)
  @ApiOkResponse({ type: ScheduleDto })
  @ApiServiceUnavailableResponse({ description: 'Temporal is still unreachable' })
  @ApiBadGatewayResponse(TEMPORAL_REFUSED)
  syncSchedule(@UuidParam() id: string): Promise<ScheduleDto> {
    return this.schedules.resync(id);
  }

  @Post(':id/run')
  @AdminOnly()
  @HttpCode(200)
  @ApiOkResponse({ type: RunNowDto })
  @ApiServiceUnavailableResponse({ description: 'Temporal is unreachable' })
  @ApiBadGatewayResponse(TEMPORAL_REFUSED_CALL)
  @ApiConflictResponse(NOT_HARVESTABLE)
  runScheduleNow(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<RunNowDto> {
    return this.schedules.runNow(actor, id);
  }

  @Post(':id/backfill')
  @AdminOnly()
  @HttpCode(200)
  @ApiOkResponse({ type: ScheduleDto, description: 'The schedule as it is once pushed to Temporal' })
  @ApiServiceUnavailableResponse({ description: 'Temporal is unreachable' })
  @ApiBadGatewayResponse(TEMPORAL_REFUSED_CALL)
  @ApiConflictResponse(NOT_HARVESTABLE)
  backfillSchedule(@CurrentUser() actor: Principal, @UuidParam() id: string, @Body() body: BackfillDto): Promise<ScheduleDto> {
    return this.schedules.backfill(actor, id, body);
  }
}
