import { applyDecorators, type Type } from '@nestjs/common';
import { ApiQuery, type ApiQueryOptions } from '@nestjs/swagger';

// Where @ApiProperty keeps a class's documented properties (as ':name') and each one's options.
const MODEL_PROPERTIES_ARRAY = 'swagger/apiModelPropertiesArray';
const MODEL_PROPERTIES = 'swagger/apiModelProperties';

/**
 * Documents a query DTO's fields as `@Query() query: Dto` would, for a route whose parameter is
 * typed with the DTO's fields instead (see CompiledQueryPipe): Swagger only reads a query DTO
 * from the parameter's class.
 */
export function ApiQueryFields(dto: Type<object>): MethodDecorator {
  const keys = (Reflect.getMetadata(MODEL_PROPERTIES_ARRAY, dto.prototype) ??
    []) as string[];
  return applyDecorators(
    ...keys.map((key) => {
      const name = key.slice(1);
      const options = Reflect.getMetadata(
        MODEL_PROPERTIES,
        dto.prototype,
        name,
      ) as Record<string, unknown>;
      // ApiQuery builds an enum's schema afresh: a default kept beside it would be lost.
      const enumDefault =
        options.enum !== undefined && options.default !== undefined
          ? { schema: { default: options.default } }
          : {};
      return ApiQuery({ ...options, ...enumDefault, name } as ApiQueryOptions);
    }),
  );
}
