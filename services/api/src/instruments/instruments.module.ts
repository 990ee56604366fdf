import { Module } from '@nestjs/common';
import { SchedulesModule } from '../schedules/schedules.module';
import { InstrumentsController } from './instruments.controller';
import { InstrumentsService } from './instruments.service';

@Module({ imports: [SchedulesModule], controllers: [InstrumentsController], providers: [InstrumentsService] })
export class InstrumentsModule {}
