import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiNotFoundResponse, ApiOkResponse, ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { OptionalUser } from '../auth/current-user.decorator';
import type { Principal } from '../auth/principal';
import { Public } from '../common/public.decorator';
import { ArkInfoDto, ArkService, ercText, type ArkAnswer } from './ark.service';

/**
 * `?info` (or the older `??`) asks for metadata instead of a redirect; `?info=false`, as
 * generated clients send an unset flag, does not.
 */
function wantsInfo(request: Request): boolean {
  const url = request.originalUrl;
  const search = url.includes('?') ? url.slice(url.indexOf('?') + 1) : undefined;
  return search !== undefined && /^(info|\?)?(&|=|$)/.test(search) && !/^info=false(&|$)/.test(search);
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
    description: 'Metadata instead of a redirect (also `?info` alone, or the older `??`; `false` is the redirect); needs a caller who may see the file',
  })
  @ApiProduces('text/plain', 'application/json')
  @ApiFoundResponse({ description: "Redirect to the file's page in the portal" })
  @ApiOkResponse({ type: ArkInfoDto, description: 'With ?info: ERC text (who/what/when/where, size, sha256), or JSON with Accept: application/json' })
  @ApiNotFoundResponse({ description: 'Unknown ARK, or one the caller may not see (?info)' })
  async resolveArk(@Req() request: Request, @Res() response: Response, @OptionalUser() caller?: Principal): Promise<void> {
    send(request, response, await this.arks.resolve(arkOfPath(request), wantsInfo(request), caller));
  }
}
