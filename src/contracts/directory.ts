/**
 * Who is signed in and which units there are, as the API answers them (/auth/login, /auth/me,
 * /console/session, /units). TypeBox schemas the routes answer with; the console imports the
 * Static types, so the two cannot drift apart. Only the domain's constants besides TypeBox, so the
 * console's build (no Node types) can import it.
 */
import { Type, type Static } from 'typebox';
import { ROLES } from '../domain/policy.js';

/** The signed-in user: a Principal as the console sees it (the display name, not the login name). */
export const User = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.Enum([...ROLES]),
  unit: Type.Union([Type.String(), Type.Null()]),
});
export type User = Static<typeof User>;

/** A unit of the directory (附件1). */
export const Unit = Type.Object({ name: Type.String(), kind: Type.String(), active: Type.Boolean() });
export type Unit = Static<typeof Unit>;

/** /console/session: a page reload restores the session from its cookie (user null when signed out); `now` is the service's clock. */
export const ConsoleSession = Type.Object({ user: Type.Union([User, Type.Null()]), csrf: Type.Union([Type.String(), Type.Null()]), now: Type.String() });
export type ConsoleSession = Static<typeof ConsoleSession>;
