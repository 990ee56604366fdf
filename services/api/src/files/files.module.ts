import { Module } from '@nestjs/common';
import { FilesController, TransfersController } from './files.controller';
import { FilesService } from './files.service';

@Module({ controllers: [FilesController, TransfersController], providers: [FilesService], exports: [FilesService] })
export class FilesModule {}
