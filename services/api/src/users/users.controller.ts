import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Page } from '@sheaf/contracts';
import { ApiTokenDto } from '../auth/auth.dto';
import { CurrentUser } from '../auth/current-user.decorator';
import type { Principal } from '../auth/principal';
import { PageOf, PageQueryDto } from '../common/pagination';
import { UuidParam } from '../common/params';
import { AdminOnly } from '../common/public.decorator';
import { CreateUserDto, UpdateUserDto, UserDto, UserQueryDto } from './users.dto';
import { UsersService } from './users.service';

/** The 409 of a change that would leave no active admin. */
const LAST_ADMIN = { description: 'The user is the only active admin (`last_admin`): make another user an admin first' };

@ApiTags('users')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOkResponse({ type: PageOf(UserDto) })
  listUsers(@Query() query: UserQueryDto): Promise<Page<UserDto>> {
    return this.users.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: UserDto })
  getUser(@UuidParam() id: string): Promise<UserDto> {
    return this.users.get(id);
  }

  @Post()
  @ApiCreatedResponse({ type: UserDto })
  @ApiConflictResponse({ description: 'Another user has this email (`email_taken`, field `email`)' })
  createUser(@CurrentUser() actor: Principal, @Body() body: CreateUserDto): Promise<UserDto> {
    return this.users.create(actor, body);
  }

  @Patch(':id')
  @ApiOkResponse({ type: UserDto })
  @ApiForbiddenResponse({ description: "Non-admins (`admin_only`); one's own role (`own_role`) or password (`own_password`: PATCH /api/auth/me), disabling oneself (`own_account`)" })
  @ApiConflictResponse({
    description: 'The user is the only active admin (`last_admin`, field `role` or `disabled`): make another user an admin first; or another user has this email (`email_taken`, field `email`)',
  })
  updateUser(@CurrentUser() actor: Principal, @UuidParam() id: string, @Body() body: UpdateUserDto): Promise<UserDto> {
    return this.users.update(actor, id, body);
  }

  @Delete(':id')
  @ApiOkResponse({ type: UserDto, description: 'The user, now deleted (restorable); their sessions end and their API tokens are revoked' })
  @ApiConflictResponse(LAST_ADMIN)
  deleteUser(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<UserDto> {
    return this.users.remove(actor, id);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOkResponse({ type: UserDto })
  @ApiConflictResponse({ description: 'A live user has taken this email since (`email_taken`, field `email`)' })
  restoreUser(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<UserDto> {
    return this.users.restore(actor, id);
  }

  @Get(':id/tokens')
  @ApiOkResponse({ type: PageOf(ApiTokenDto), description: "The user's API tokens, revoked and expired ones too, newest first" })
  listUserTokens(@UuidParam() id: string, @Query() query: PageQueryDto): Promise<Page<ApiTokenDto>> {
    return this.users.listTokens(id, query);
  }

  @Delete(':id/tokens/:tokenId')
  @ApiOkResponse({ type: ApiTokenDto, description: 'The token, now revoked (recorded in the audit log); revoking twice is harmless' })
  revokeUserToken(@CurrentUser() actor: Principal, @UuidParam() id: string, @UuidParam('tokenId') tokenId: string): Promise<ApiTokenDto> {
    return this.users.revokeToken(actor, id, tokenId);
  }
}
