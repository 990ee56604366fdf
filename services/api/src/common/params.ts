import { Param, ParseUUIDPipe } from '@nestjs/common';
import { DomainError } from './domain-error';

/**
 * A path parameter that must be a UUID: anything else is a 400 naming the parameter. In lower
 * case, as PostgreSQL writes ids: services compare them with ids read from the database.
 */
export const UuidParam = (name = 'id') =>
  Param(
    name,
    new ParseUUIDPipe({
      version: undefined,
      exceptionFactory: () => new DomainError('invalid', 'validation_failed', `${name} must be a UUID`, name),
    }),
    { transform: (value: string): string => value.toLowerCase() },
  );

/** A path parameter that must be a positive integer id (bigint identity columns), kept as text. */
export const IntIdParam = (name = 'id') =>
  Param(name, {
    transform(value: string): string {
      if (!/^[1-9]\d{0,17}$/.test(value)) throw new DomainError('invalid', 'validation_failed', `${name} must be a positive integer`, name);
      return value;
    },
  });
