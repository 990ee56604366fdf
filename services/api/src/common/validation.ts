import { applyDecorators, ValidationPipe, type ArgumentMetadata, type PipeTransform, type ValidationError } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsUUID, Matches, ValidateBy, ValidateIf } from 'class-validator';
import { DomainError } from './domain-error';

/**
 * The path of `property` in `parent`: `a.b`, `a[0]` for an item of an array, and `a["X-Key"]` for
 * a key that is not an identifier, as hook configs (libs/hooks) and the portal spell them.
 */
function pathOf(parent: string, property: string, inArray: boolean): string {
  if (inArray) return `${parent}[${property}]`;
  if (!/^[A-Za-z_$][\w$]*$/.test(property)) return `${parent}[${JSON.stringify(property)}]`;
  return parent ? `${parent}.${property}` : property;
}

/** The first failing constraint, with its field path (`a.b[0].c` style, as RefuseNulPipe's). */
function firstProblem(errors: ValidationError[], parent = '', inArray = false): { field: string; message: string } | undefined {
  for (const error of errors) {
    const field = pathOf(parent, error.property, inArray);
    // class-validator runs decorators bottom-up; DTOs list the type check first, so the last
    // failed constraint is the most fundamental one ("must be a string" before "too long").
    const message = error.constraints ? Object.values(error.constraints).at(-1) : undefined;
    if (message) return { field, message };
    // An array's items are its error's children, named by index.
    const nested = firstProblem(error.children ?? [], field, Array.isArray(error.value));
    if (nested) return nested;
  }
  return undefined;
}

/** Levels of objects and arrays a request may nest, the body or query itself the first. */
const MAX_DEPTH = 32;

/** What is wrong with a request's value, and where (`''` for the value itself). */
interface Problem {
  field: string;
  message: (field: string) => string;
}

const NUL_MESSAGE = (field: string) => `${field} must not contain a NUL character`;
/** Half of a UTF-16 surrogate pair without the other half: no character, and nothing UTF-8 (or PostgreSQL) can store. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const SURROGATE_MESSAGE = (field: string) => `${field} must be well-formed Unicode text (it holds half of a surrogate pair)`;

/** What is wrong with a string, value or key, for the database: a NUL, or a lone surrogate. */
function stringProblem(text: string): Problem['message'] | undefined {
  if (text.includes('\0')) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(text)) return SURROGATE_MESSAGE;
  return undefined;
}

/**
 * The first string (value or key) holding a NUL character or a lone surrogate, or the first
 * object or array nested deeper than MAX_DEPTH: a walk that stops there, where later pipes
 * would overflow the stack.
 */
function problemIn(value: unknown, parent = '', depth = 1): Problem | undefined {
  if (typeof value === 'string') {
    const message = stringProblem(value);
    return message ? { field: parent, message } : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_DEPTH) return { field: parent, message: (field) => `${field} is nested too deeply: at most ${MAX_DEPTH} levels of objects and arrays` };
  for (const [key, item] of Object.entries(value)) {
    const field = pathOf(parent, key, Array.isArray(value));
    const keyProblem = stringProblem(key);
    if (keyProblem) return { field, message: keyProblem };
    const found = problemIn(item, field, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * PostgreSQL stores no NUL character in text or jsonb, and no name, path or search means one:
 * refused up front with the field, before any DTO decides whether the value is otherwise valid.
 * So is a lone surrogate (jsonb refuses it; text would store U+FFFD in its place), and so are
 * objects and arrays nested too deeply, before the validation pipe walks them.
 */
export class RefuseNulPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const found = problemIn(value);
    if (found === undefined) return value;
    const field = found.field || metadata.data;
    throw new DomainError('invalid', 'validation_failed', found.message(field ?? 'the request'), field);
  }
}

/** One global pipe: whitelist, reject unknown fields, name the bad field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    // Values on errors with children too (Nest strips them by default): an array's tells its items' paths apart.
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => {
      const problem = firstProblem(errors) ?? { field: undefined, message: 'invalid request' };
      return new DomainError('invalid', 'validation_failed', problem.message, problem.field);
    },
  });
}

/**
 * The field may be left out, but not sent as null: a null is validated (and refused) like any
 * other wrong value. class-validator's IsOptional also lets null through, which a service would
 * then take for a value; use it only where null means something (e.g. "no service account").
 */
export const OptionalField = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

/**
 * A name that must say something: not empty, and not only spaces (names are stored trimmed, so
 * "   " would be stored as "").
 */
export const NotBlank = (field: string) => Matches(/\S/, { message: `${field} must not be blank` });

/**
 * At most `max` characters as PostgreSQL's length() counts them (code points), for columns whose
 * CHECK limits it: class-validator's MaxLength leaves out a variation selector after a character
 * (the U+FE0F of "❤️"), so a name it lets through broke the CHECK: a 400 without the field.
 * Non-strings are IsString's to refuse.
 */
export const MaxChars = (field: string, max: number) =>
  ValidateBy({
    name: 'maxChars',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || [...value].length <= max,
      defaultMessage: () => `${field} must be at most ${max} characters`,
    },
  });

/**
 * A UUID, in lower case as PostgreSQL writes ids: services compare it with ids read from the
 * database, where `ABC…` and `abc…` would be different instruments.
 */
export const IsUuid = (field: string) =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value)),
    IsUUID('all', { message: `${field} must be a UUID` }),
  );

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/**
 * A date-time: `T` or a space between date and time (RFC 3339 allows both), seconds and fraction
 * optional, the offset not: `Z`, `±HH:MM` or `±HHMM`, up to 14 hours as on Earth. (`±HH` alone is
 * left out: JavaScript's Date does not read it.) A fraction of up to 9 digits (nanoseconds):
 * PostgreSQL refuses a long one.
 */
const DATE_TIME =
  /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})[T ](?<hour>[01]\d|2[0-3]):(?<minute>[0-5]\d)(?::(?<second>[0-5]\d)(?:\.(?<fraction>\d{1,9}))?)?(?:Z|(?<sign>[+-])(?<offsetHours>0\d|1[0-4]):?(?<offsetMinutes>[0-5]\d))$/;

/** A date-time of a real calendar day (a date alone has become its midnight UTC by now). */
function isDateTime(value: unknown): boolean {
  const parts = typeof value === 'string' ? DATE_TIME.exec(value)?.groups : undefined;
  if (!parts) return false;
  const [year, month, day] = [parts.year, parts.month, parts.day].map(Number);
  // setUTCFullYear, not Date.UTC, which reads years below 100 as 19xx.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A date-time with its time zone (2026-01-31T12:00:00Z): one without is read in whatever zone the reader is in. */
export const IsDateTimeWithZone = (field: string, message = `${field} must be a date-time with a time zone (2026-01-31T12:00:00Z)`) =>
  ValidateBy({ name: 'isDateTimeWithZone', validator: { validate: isDateTime, defaultMessage: () => message } });

/** C's rint() in its default mode: to the nearest integer, a half to the even one. */
function rint(x: number): number {
  const nearest = Math.round(x);
  return nearest - x === 0.5 && nearest % 2 !== 0 ? nearest - 1 : nearest;
}

/**
 * The instant a date-time isDateTime accepts stands for, as PostgreSQL stores it (timestamptz
 * keeps microseconds): in microseconds since 1970, comparable across time zones. A finer
 * fraction is rounded as PostgreSQL rounds it (ParseFractionalSecond: rint(fraction * 1e6) in
 * double precision; .0000005 is 0 µs, .0000015 and .0000025 are 2), so two date-times that
 * differ by less than that are the same instant here as there.
 */
function microsecondsOf(value: string): bigint {
  const { year, month, day, hour, minute, second, fraction, sign, offsetHours, offsetMinutes } = DATE_TIME.exec(value)!.groups!;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second ?? 0));
  const offsetSeconds = sign ? (sign === '-' ? -1 : 1) * (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60) : 0;
  const micros = fraction ? rint(Number(`0.${fraction}`) * 1_000_000) : 0;
  return (BigInt(date.getTime() / 1000) - BigInt(offsetSeconds)) * 1_000_000n + BigInt(micros);
}

/**
 * After the date-time in `other` (the `to` of a range after its `from`): an empty range is a
 * mistake, not a question. Either one not a date-time is the format check's to refuse.
 */
const IsAfter = (field: string, other: string) =>
  ValidateBy({
    name: 'isAfter',
    constraints: [other],
    validator: {
      validate: (value: unknown, args) => {
        const start = (args?.object as Record<string, unknown> | undefined)?.[other];
        if (!isDateTime(value) || !isDateTime(start)) return true;
        return microsecondsOf(value as string) > microsecondsOf(start as string);
      },
      defaultMessage: () => `${field} must be after ${other}`,
    },
  });

/**
 * A `from`/`to` filter: a date (`YYYY-MM-DD`, which starts at midnight UTC) or a date-time with
 * its time zone. Narrower than ISO 8601 on purpose: PostgreSQL refuses a signed year, reads a
 * year, month or week alone as something else, and reads a time without offset in its own zone.
 * A range's end names its start (`after`): an end not after it is refused, naming the end.
 */
export function DateFilter(field: string, description: string, after?: string) {
  return applyDecorators(
    ApiPropertyOptional({
      description: `${description}: a date (YYYY-MM-DD, read as its midnight UTC) or a date-time with a time zone${after ? `; after ${after}` : ''}`,
      example: '2026-01-31T12:00:00Z',
    }),
    OptionalField(),
    // The database reads the value: a date alone would be midnight in its time zone, not UTC's.
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && DATE.test(value) ? `${value}T00:00:00Z` : value)),
    ...(after ? [IsAfter(field, after)] : []),
    IsDateTimeWithZone(field, `${field} must be a date (YYYY-MM-DD) or a date-time with a time zone (2026-01-31T12:00:00Z)`),
  );
}
