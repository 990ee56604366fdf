import { Controller, Get, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiFoundResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiQuery,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { OptionalUser } from '../auth/current-user.decorator';
import type { Principal } from '../auth/principal';
import { invalid } from '../common/domain-error';
import { Public } from '../common/public.decorator';
import { ArkInfoDto, ArkService, ercText, type ArkAnswer } from './ark.service';

const INFO_VALUES = new Map([
  ['', true],
  ['true', true],
  ['1', true],
  ['false', false],
  ['0', false],
]);

/**
 * `?info` asks for metadata instead of a redirect, wherever it stands among the parameters:
 * alone, empty, `true` or `1`, as do the older inflections `?` and `??` alone. `info=false` or
 * `0` (generated clients send an unset flag so) is the redirect; any other value is refused,
 * not guessed.
 */
function wantsInfo(request: Request): boolean {
  const url = request.originalUrl;
  if (!url.includes('?')) return false;
  const search = url.slice(url.indexOf('?') + 1);
  if (search === '' || search === '?') return true;
  const given = new URLSearchParams(search).getAll('info');
  if (given.length > 1) throw invalid('info', 'info may be given once');
  if (!given.length) return false;
  const wanted = INFO_VALUES.get(given[0].toLowerCase());
  if (wanted === undefined) throw invalid('info', 'info must be empty, true, 1, false or 0');
  return wanted;
}

/**
 * The ARK of the path, decoded: OpenAPI clients send the slash of `{ark}` as `%2F`. (A path that
 * does not decode had its `%` escaped by decodeArkPrefix, so this one does.)
 */
function arkOfPath(request: Request): string {
  return `ark:${decodeURIComponent(request.path.slice(request.path.toLowerCase().indexOf('ark:') + 4))}`;
}

function send(request: Request, response: Response, answer: ArkAnswer): void {
  if (answer.kind === 'redirect') {
    response.redirect(302, answer.location);
    return;
  }
  if (request.accepts(['text/plain', 'application/json']) === 'application/json') response.json(answer.info);
  else response.type('text/plain; charset=utf-8').send(ercText(answer.info));
}

@ApiTags('ark')
@Public()
@Controller()
export class ArkController {
  constructor(private readonly arks: ArkService) {}

  /** `/ark:{NAAN}/{name}`, also `/ark:/{NAAN}/{name}`, any case, hyphens ignored. */
  @Get('ark\\:*ark')
  @ApiParam({ name: 'ark', type: String, description: 'The rest of the ARK after `ark:` (`99999/fk4...` or `/99999/fk4...`; the slashes may be sent as `%2F`)' })
  @ApiQuery({
    name: 'info',
    required: false,
    allowEmptyValue: true,
    type: Boolean,
    description: 'Metadata instead of a redirect: `?info` alone, `true` or `1` (also the older `??`); `false` or `0`, in any case, is the redirect, any other value 400; needs a caller who may see the file',
  })
  // Authentication is optional: the redirect is public, `?info` needs a caller.
  @ApiBearerAuth()
  @ApiSecurity({})
  @ApiExtraModels(ArkInfoDto)
  @ApiFoundResponse({ description: "Redirect to the file's page in the portal" })
  @ApiOkResponse({
    description: 'With ?info: ERC text (who/what/when/where, size, sha256), or JSON with Accept: application/json',
    content: { 'text/plain': { schema: { type: 'string' } }, 'application/json': { schema: { $ref: getSchemaPath(ArkInfoDto) } } },
  })
  @ApiUnauthorizedResponse({ description: '?info without a caller' })
  @ApiNotFoundResponse({ description: 'Unknown ARK, or one the caller may not see (?info)' })
  async resolveArk(@Req() request: Request, @Res() response: Response, @OptionalUser() caller?: Principal): Promise<void> {
    const info = wantsInfo(request);
    send(request, response, await this.arks.resolve(arkOfPath(request), info, caller));
  }
}
