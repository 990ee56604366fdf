import { Body, Controller, createParamDecorator, Get, HttpCode, Post, Query, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import {
  ApiAcceptedResponse,
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Page } from '@sheaf/contracts';
import { CurrentUser } from '../auth/current-user.decorator';
import type { Principal } from '../auth/principal';
import { PageOf } from '../common/pagination';
import { UuidParam } from '../common/params';
import { TokenScoped } from '../common/public.decorator';
import { HarvestQueryDto, HarvestRunDetailDto, HarvestRunDto, RunFailureDto, RunFailureQueryDto, StartHarvestDto, StartedHarvestDto } from './harvests.dto';
import { HarvestsService } from './harvests.service';

/**
 * The optional `Idempotency-Key` header, as @ApiHeader documents it: Nest's @Headers('...') would
 * add a second, required header parameter to the OpenAPI document, which generated clients obey.
 */
const IdempotencyKey = createParamDecorator((_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<Request>().header('idempotency-key'));

const TEMPORAL_UNAVAILABLE = { description: 'Temporal is unreachable (`temporal_unavailable`); try again after Retry-After' };
const TEMPORAL_REFUSED = { description: 'Temporal refused the call (`temporal_refused`: permission denied, an unregistered search attribute, ...); the message gives its reason' };
/** A start's run is recorded before its workflow starts: one that could not start is closed as failed, and named. */
const NOT_STARTED = ' (`runId`: the run recorded for this request, closed as failed)';
const NOT_STARTABLE = {
  description:
    'The instrument has a harvest running or being started (`harvest_running`; `runId`: the running one, when known), is disabled (`instrument_disabled`) or has no destination (`no_destination`); ' +
    'the Idempotency-Key was used for another instrument (`idempotency_key_reused`, field `Idempotency-Key`) or a request under it is still starting its run (`idempotency_key_in_progress`: retry shortly)',
};
const NOT_CANCELLABLE = {
  description:
    'The run ended otherwise: succeeded, failed or skipped (`run_finished`); it has no workflow yet (`run_not_started`); Temporal no longer knows its workflow (`workflow_gone`); ' +
    'or another request is asking Temporal to cancel it (`cancel_in_progress`: retry shortly). ' +
    'A run cancelled already, or whose cancellation was asked for before, answers 202 again',
};

@ApiTags('harvests')
@ApiBearerAuth()
@Controller('api/harvests')
export class HarvestsController {
  constructor(private readonly harvests: HarvestsService) {}

  @Post()
  @TokenScoped('harvest')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'The same key (per user) returns the same run instead of starting another; 1 to 255 printable ASCII characters without spaces',
    // As HarvestsService checks it.
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[!-~]+$' },
  })
  @ApiCreatedResponse({ type: StartedHarvestDto })
  @ApiBadRequestResponse({ description: 'The body is invalid (`validation_failed`, field `instrumentId`), or the Idempotency-Key header is (field `Idempotency-Key`)' })
  @ApiNotFoundResponse({ description: 'No such instrument, or not one the caller may see (`not_found`, field `instrumentId`)' })
  @ApiConflictResponse(NOT_STARTABLE)
  @ApiServiceUnavailableResponse({ description: TEMPORAL_UNAVAILABLE.description + NOT_STARTED })
  @ApiBadGatewayResponse({ description: TEMPORAL_REFUSED.description + NOT_STARTED })
  startHarvest(
    @CurrentUser() user: Principal,
    @Body() body: StartHarvestDto,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<StartedHarvestDto> {
    return this.harvests.start(user, body.instrumentId, idempotencyKey);
  }

  @Get()
  @ApiOkResponse({ type: PageOf(HarvestRunDto) })
  listHarvests(@CurrentUser() user: Principal, @Query() query: HarvestQueryDto): Promise<Page<HarvestRunDto>> {
    return this.harvests.list(user, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: HarvestRunDetailDto, description: 'Live progress while the run goes' })
  getHarvest(@CurrentUser() user: Principal, @UuidParam() id: string): Promise<HarvestRunDetailDto> {
    return this.harvests.get(user, id);
  }

  @Get(':id/failures')
  @ApiOkResponse({
    type: PageOf(RunFailureDto),
    description: 'Every failed, held and deferred file of the run (deferred: changed or gone from the source while it was copied), in the order its batches took them (batch, then file version id: a stable order a page reads without sorting the run’s failures; not by path), with the outcome and reason each had when its batch finished',
  })
  listHarvestFailures(@CurrentUser() user: Principal, @UuidParam() id: string, @Query() query: RunFailureQueryDto): Promise<Page<RunFailureDto>> {
    return this.harvests.failures(user, id, query);
  }

  @Post(':id/cancel')
  @TokenScoped('harvest')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: HarvestRunDto, description: 'Cancellation requested (now or by an earlier request), or the run is cancelled already; the run ends as cancelled shortly' })
  @ApiNotFoundResponse({ description: 'No such run, or not one the caller may see (`not_found`)' })
  @ApiConflictResponse(NOT_CANCELLABLE)
  @ApiServiceUnavailableResponse(TEMPORAL_UNAVAILABLE)
  @ApiBadGatewayResponse(TEMPORAL_REFUSED)
  cancelHarvest(@CurrentUser() user: Principal, @UuidParam() id: string): Promise<HarvestRunDto> {
    return this.harvests.cancel(user, id);
  }
}
