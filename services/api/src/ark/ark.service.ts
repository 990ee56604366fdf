import { Inject, Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { isValidArk, parseArk } from '@sheaf/ark';
import { AccessService } from '../access/access.service';
import type { Principal } from '../auth/principal';
import { DomainError, notFound } from '../common/domain-error';
import { API_CONFIG, type ApiConfig } from '../config';

/** ERC-style metadata of an ARK (`?info`), as JSON. */
export class ArkInfoDto {
  @ApiProperty({ example: 'ark:99999/fk4bc7d2x59' }) ark!: string;
  @ApiProperty({ description: 'ERC who: the instrument' }) who!: string;
  @ApiProperty({ description: 'ERC what: the file name' }) what!: string;
  @ApiProperty({ description: 'ERC when: acquisition (modification) time, ISO 8601' }) when!: string;
  @ApiProperty({ description: 'ERC where: the file’s page in the portal (PORTAL_URL), where the ARK redirects' }) where!: string;
  @ApiProperty({ type: 'integer', format: 'int64' }) size!: number;
  @ApiProperty({ type: String, nullable: true, description: 'Hex SHA-256 of the content; null while the file is not hashed yet (its ERC text then shows an empty sha256)' })
  sha256!: string | null;
  @ApiProperty({ format: 'uuid' }) fileVersionId!: string;
  @ApiProperty() path!: string;
}

export type ArkAnswer = { kind: 'redirect'; location: string } | { kind: 'info'; info: ArkInfoDto };

interface ArkRow {
  ark: string;
  file_version_id: string;
  instrument_id: string;
  instrument_name: string;
  path: string;
  size: string;
  mtime: Date;
  sha256: string | null;
}

/** ERC as text: one `label: value` per line, values on one line. */
export function ercText(info: ArkInfoDto): string {
  const line = (label: string, value: string | number) => `${label}: ${String(value).replace(/[\r\n]+/g, ' ')}`;
  return (
    ['erc:', line('who', info.who), line('what', info.what), line('when', info.when), line('where', info.where), line('size', info.size), line('sha256', info.sha256 ?? '')].join(
      '\n',
    ) + '\n'
  );
}

/**
 * The ARK resolver. A redirect to the file's portal page is public (ARKs are meant to be
 * followed; the portal page itself checks access). `?info` shows what the file is, so it needs
 * a caller who may see the file: 401 when anonymous, 404 when out of scope, like any file.
 */
@Injectable()
export class ArkService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly access: AccessService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  async resolve(raw: string, wantsInfo: boolean, caller: Principal | undefined): Promise<ArkAnswer> {
    const parsed = parseArk(raw);
    if (!parsed) throw new DomainError('not_found', 'not_found', 'ARK not found: not an ARK as Sheaf mints them (ark:NAAN/name, without qualifiers)');
    const [row] = (await this.dataSource.query(
      `SELECT a.ark, a.file_version_id, f.instrument_id, i.name AS instrument_name, f.path, f.size, f.mtime, f.sha256
         FROM arks a JOIN file_versions f ON f.id = a.file_version_id JOIN instruments i ON i.id = f.instrument_id
        WHERE a.ark = $1`,
      [parsed.normalized],
    )) as ArkRow[];
    // Only for ARKs that are nowhere: what the text says gives nothing away about any file.
    if (!row && !isValidArk(raw)) {
      throw new DomainError('not_found', 'not_found', 'ARK not found: its last character is not the check character of the rest, so a character may be mistyped');
    }
    if (!row) throw notFound('ARK');
    // From the configuration, never from the request's Host: a client could name any host there.
    const filePage = `${this.config.api.portalUrl}/files/${row.file_version_id}`;
    if (!wantsInfo) return { kind: 'redirect', location: filePage };
    if (!caller) throw new DomainError('unauthorized', 'unauthorized', 'Log in or send an API token to read an ARK’s metadata');
    if (!(await this.access.canSeeFile(await this.access.scopeOf(caller), { id: row.file_version_id, instrumentId: row.instrument_id }))) throw notFound('ARK');
    return {
      kind: 'info',
      info: {
        ark: row.ark,
        who: row.instrument_name,
        what: row.path.slice(row.path.lastIndexOf('/') + 1),
        when: row.mtime.toISOString(),
        where: filePage,
        size: Number(row.size),
        sha256: row.sha256,
        fileVersionId: row.file_version_id,
        path: row.path,
      },
    };
  }
}
