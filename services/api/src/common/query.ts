import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean } from 'class-validator';
import { PageQueryDto } from './pagination';
import { OptionalField } from './validation';

/** Query strings carry text: 'true' and 'false' become booleans, anything else fails validation. */
export const ToBoolean = () => Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value));

/** A list of a soft-deletable resource: live rows unless `deleted=true` asks for the deleted ones. */
export class SoftDeletePageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'List deleted rows (to restore them) instead of live ones; admins only', default: false })
  @OptionalField()
  @ToBoolean()
  @IsBoolean({ message: 'deleted must be true or false' })
  deleted?: boolean;
}

/** `%` and `_` match themselves in a LIKE pattern built from user input. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
