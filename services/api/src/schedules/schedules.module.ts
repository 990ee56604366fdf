import { Module } from '@nestjs/common';
import { ScheduleSyncService } from './schedule-sync.service';
import { SchedulesController } from './schedules.controller';
import { SchedulesService } from './schedules.service';

@Module({ controllers: [SchedulesController], providers: [SchedulesService, ScheduleSyncService], exports: [ScheduleSyncService] })
export class SchedulesModule {}
