import { Global, Module } from '@nestjs/common';
import { ConnectionTesterService } from './connection-tester.service';

@Global()
@Module({ providers: [ConnectionTesterService], exports: [ConnectionTesterService] })
export class LocationsModule {}
