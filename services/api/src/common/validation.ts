import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ValidateIf } from 'class-validator';
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
