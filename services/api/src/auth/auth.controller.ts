import { Body, Controller, Delete, Get, HttpCode, Ip, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Page, UserSummary } from '@sheaf/contracts';
import { PageOf, PageQueryDto } from '../common/pagination';
import { UuidParam } from '../common/params';
import { Public } from '../common/public.decorator';
import { ApiTokensService } from './api-tokens.service';
import { ApiTokenDto, CreateApiTokenDto, CreatedApiTokenDto, LoginDto, LoginResponseDto, UpdateMeDto, UserSummaryDto } from './auth.dto';
import { AuthService } from './auth.service';
import { CurrentUser } from './current-user.decorator';
import type { Principal } from './principal';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly tokens: ApiTokensService,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiUnauthorizedResponse({ description: 'Wrong email or password, or the account is disabled' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed logins from this address; see Retry-After' })
  login(@Body() body: LoginDto, @Ip() address: string): Promise<LoginResponseDto> {
    return this.auth.login(body.email, body.password, address);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'This session is over: its token is refused from now on (API tokens are revoked instead)' })
  async logout(@CurrentUser() user: Principal): Promise<void> {
    await this.auth.logout(user);
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOkResponse({ type: UserSummaryDto })
  getCurrentUser(@CurrentUser() user: Principal): UserSummary {
    return this.auth.me(user);
  }

  @Patch('me')
  @ApiBearerAuth()
  @ApiOkResponse({ type: UserSummaryDto })
  updateCurrentUser(@CurrentUser() user: Principal, @Body() body: UpdateMeDto): Promise<UserSummaryDto> {
    return this.auth.updateMe(user, body);
  }

  @Get('tokens')
  @ApiBearerAuth()
  @ApiOkResponse({ type: PageOf(ApiTokenDto) })
  listApiTokens(@CurrentUser() user: Principal, @Query() query: PageQueryDto): Promise<Page<ApiTokenDto>> {
    return this.tokens.list(user.id, query);
  }

  @Post('tokens')
  @ApiBearerAuth()
  @ApiCreatedResponse({ type: CreatedApiTokenDto, description: 'The token is in this response only' })
  @ApiUnauthorizedResponse({ description: 'Not signed in, or the account was disabled or deleted meanwhile (`unauthorized`)' })
  createApiToken(@CurrentUser() user: Principal, @Body() body: CreateApiTokenDto): Promise<CreatedApiTokenDto> {
    return this.tokens.create(user, body);
  }

  @Delete('tokens/:id')
  @ApiBearerAuth()
  @ApiOkResponse({ type: ApiTokenDto, description: 'The token, now revoked' })
  revokeApiToken(@CurrentUser() user: Principal, @UuidParam() id: string): Promise<ApiTokenDto> {
    return this.tokens.revoke(user, user.id, id);
  }
}
