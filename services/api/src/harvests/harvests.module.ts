import { Module } from '@nestjs/common';
import { HarvestsController } from './harvests.controller';
import { HarvestsService } from './harvests.service';
import { RunReconcilerService } from './run-reconciler.service';

@Module({ controllers: [HarvestsController], providers: [HarvestsService, RunReconcilerService], exports: [HarvestsService] })
export class HarvestsModule {}
