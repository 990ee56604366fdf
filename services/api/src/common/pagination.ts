import { type Type as ClassType } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_PAGE_SIZE, type Page } from '@sheaf/contracts';
import { OptionalField } from './validation';

export { MAX_PAGE_SIZE };
export const DEFAULT_PAGE_SIZE = 50;
/** Deep offsets are slow and never what a person wants; search narrower instead. */
export const MAX_OFFSET = 1_000_000;

/**
 * A query string's integer: decimal digits only (with a sign, for the "must not be negative"
 * message), anything else left as is to fail IsInt. Number() would read '0x10', '1e2' and '2.0'
 * as 16, 100 and 2, and '' as 0.
 */
const ToInteger = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value));

/** `limit` and `offset` of every list; each list documents its own stable order. */
export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @OptionalField()
  @ToInteger()
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(MAX_PAGE_SIZE, { message: `limit must be at most ${MAX_PAGE_SIZE}` })
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 })
  @OptionalField()
  @ToInteger()
  @IsInt({ message: 'offset must be an integer' })
  @Min(0, { message: 'offset must not be negative' })
  @Max(MAX_OFFSET, { message: `offset must be at most ${MAX_OFFSET}` })
  offset: number = 0;
}

const pageTypes = new Map<ClassType<unknown>, ClassType<Page<unknown>>>();

/** The OpenAPI-visible page type of one item DTO (`InstrumentPageDto` for `InstrumentDto`). */
export function PageOf<T>(item: ClassType<T>): ClassType<Page<T>> {
  const known = pageTypes.get(item);
  if (known) return known as ClassType<Page<T>>;
  class PageDto implements Page<T> {
    @ApiProperty({ type: [item] }) items!: T[];
    @ApiProperty({ type: 'integer', description: 'Every match, not only this page' }) total!: number;
    @ApiProperty({ type: 'integer' }) limit!: number;
    @ApiProperty({ type: 'integer' }) offset!: number;
  }
  Object.defineProperty(PageDto, 'name', { value: `${item.name.replace(/Dto$/, '')}PageDto` });
  pageTypes.set(item, PageDto);
  return PageDto;
}

/** One page of a list: `rows` are this page's, `total` counts every match. */
export function toPage<E, T>(rows: readonly E[], total: number, query: PageQueryDto, map: (row: E, index: number) => T): Page<T> {
  return { items: rows.map(map), total, limit: query.limit, offset: query.offset };
}
