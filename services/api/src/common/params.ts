import { Param } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { isUUID } from 'class-validator';
import { DomainError } from './domain-error';

/**
 * A path parameter that must be a UUID, by the rule query and body ids follow (IsUuid: a version
 * digit and variant, or the nil or max UUID): anything else is a 400 naming the parameter, as
 * there. In lower case, as PostgreSQL writes ids: services compare them with ids read from the
 * database. Declared in OpenAPI as a string of format uuid.
 */
export const UuidParam =
  (name = 'id'): ParameterDecorator =>
  (target, key, index) => {
    Param(name, {
      transform(value: string): string {
        if (!isUUID(value, 'all')) throw new DomainError('invalid', 'validation_failed', `${name} must be a UUID`, name);
        return value.toLowerCase();
      },
    })(target, key, index);
    if (key !== undefined) ApiParam({ name, type: String, format: 'uuid' })(target, key, Object.getOwnPropertyDescriptor(target, key)!);
  };

/** A path parameter that must be a positive integer id (bigint identity columns), kept as text. */
export const IntIdParam = (name = 'id') =>
  Param(name, {
    transform(value: string): string {
      if (!/^[1-9]\d{0,17}$/.test(value)) throw new DomainError('invalid', 'validation_failed', `${name} must be a positive integer`, name);
      return value;
    },
  });
