import { Type, type Static } from 'typebox';

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Any()) }) },
  { $id: 'Error', description: 'The one error shape of every endpoint.' },
);

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid input (the message says which field and why)',
  401: 'not signed in, or the token or session is no longer valid',
  403: 'the role or unit may not do this',
  404: 'not found',
  409: 'conflict: e.g. an action the ticket’s state does not allow (the message names the state and the allowed actions)',
  413: 'the body is too large',
  429: 'too many requests: wait (Retry-After)',
  503: 'the database or a provider is unavailable: retry later (Retry-After)',
};
/** The documented error answers of a route: each the one error shape, by reference to the named `Error` schema (registered once with app.addSchema). */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, Type.Unsafe<Static<typeof ErrorBody>>({ $ref: 'Error#', description: ERROR_TEXT[c] ?? 'error' })]));

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type IdParams = Static<typeof IdParams>;

/** A union of string literals that keeps the literal types (a plain `.map(Type.Literal)` widens them). */
export const literals = <const T extends string[]>(xs: readonly [...T]) => Type.Enum(xs);
