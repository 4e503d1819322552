/**
 * Shapes of the REST API's answers and of the live connection's messages, as the console reads
 * them: imported from the server's own definitions (src/web/schemas for the API's views, generated
 * from the same TypeBox schemas the routes answer with; src/contracts/live.ts for /ws/operator), so
 * the two cannot drift apart. Only what the server has no type for yet is written here.
 */
import type { Role } from '../../src/domain/policy.js';

export interface User {
  id: string;
  name: string;
  role: Role;
  unit: string | null;
}

export type { Attachment, AssistPartView, Classification, Duplicate, OnSiteView, TicketEventView, TicketView } from '../../src/web/schemas/tickets.js';
export type {
  HandoverEvent,
  OperatorCallEvent as CallStateEvent,
  OperatorScreenPop as ScreenPop,
  TicketChanged as TicketChange,
} from '../../src/contracts/live.js';

export interface Unit {
  name: string;
  kind: string;
  active: boolean;
}
