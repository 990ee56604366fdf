import { ValidationPipe, type ArgumentMetadata, type PipeTransform, type ValidationError } from '@nestjs/common';
import { Matches, ValidateIf } from 'class-validator';
import { DomainError } from './domain-error';

/** The first failing constraint, with its field path (`a.b[0].c` style). */
function firstProblem(errors: ValidationError[], parent = ''): { field: string; message: string } | undefined {
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    // class-validator runs decorators bottom-up; DTOs list the type check first, so the last
    // failed constraint is the most fundamental one ("must be a string" before "too long").
    const message = error.constraints ? Object.values(error.constraints).at(-1) : undefined;
    if (message) return { field, message };
    const nested = firstProblem(error.children ?? [], field);
    if (nested) return nested;
  }
  return undefined;
}

/** The path of the first string (value or key) holding a NUL character, `''` for the value itself. */
function pathOfNul(value: unknown, parent = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? parent : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const field = Array.isArray(value) ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;
    if (key.includes('\0')) return field;
    const found = pathOfNul(item, field);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * PostgreSQL stores no NUL character in text or jsonb, and no name, path or search means one:
 * refused up front with the field, before any DTO decides whether the value is otherwise valid.
 */
export class RefuseNulPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const found = pathOfNul(value);
    if (found === undefined) return value;
    const field = found || metadata.data;
    throw new DomainError('invalid', 'validation_failed', `${field ?? 'the request'} must not contain a NUL character`, field);
  }
}

/** One global pipe: whitelist, reject unknown fields, name the bad field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
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
