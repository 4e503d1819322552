import { Type, type Static } from 'typebox';

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Any()) }) },
  { $id: 'Error', description: 'The one error shape of every endpoint.' },
);

export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorBody]));

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type IdParams = Static<typeof IdParams>;

/** A union of string literals that keeps the literal types (a plain `.map(Type.Literal)` widens them). */
export const literals = <const T extends string[]>(xs: readonly [...T]) => Type.Enum(xs);
