import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiNotFoundResponse, ApiOkResponse, ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { OptionalUser } from '../auth/current-user.decorator';
import type { Principal } from '../auth/principal';
import { Public } from '../common/public.decorator';
import { ArkInfoDto, ArkService, ercText, type ArkAnswer } from './ark.service';

/** `?info` (or the older `??`) asks for metadata instead of a redirect. */
function wantsInfo(request: Request): boolean {
  const url = request.originalUrl;
  const search = url.includes('?') ? url.slice(url.indexOf('?') + 1) : undefined;
  return search !== undefined && /^(info|\?)?(&|=|$)/.test(search);
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
  @ApiParam({ name: 'ark', description: 'The rest of the ARK after `ark:` (`99999/fk4...` or `/99999/fk4...`)' })
  @ApiQuery({ name: 'info', required: false, allowEmptyValue: true, description: 'Metadata instead of a redirect; needs a caller who may see the file' })
  @ApiProduces('text/plain', 'application/json')
  @ApiFoundResponse({ description: "Redirect to the file's page in the portal" })
  @ApiOkResponse({ type: ArkInfoDto, description: 'With ?info: ERC text (who/what/when/where, size, sha256), or JSON with Accept: application/json' })
  @ApiNotFoundResponse({ description: 'Unknown ARK, or one the caller may not see (?info)' })
  async resolveArk(@Req() request: Request, @Res() response: Response, @OptionalUser() caller?: Principal): Promise<void> {
    const rest = request.path.slice(request.path.toLowerCase().indexOf('ark:') + 4);
    send(request, response, await this.arks.resolve(`ark:${rest}`, wantsInfo(request), caller, `${request.protocol}://${request.get('host')}`));
  }
}
