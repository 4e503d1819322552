/**
 * Shapes of the REST API's answers and of the live connection's messages, as the console reads
 * them: imported from the server's own definitions (src/web/schemas for the API's views, generated
 * from the same TypeBox schemas the routes answer with; src/contracts for the signed-in user, the
 * units, the trend and places boards, and /ws/operator), so the two cannot drift apart.
 */
export type { ConsoleSession, Unit, User } from '../../src/contracts/directory.js';
export type { PlacePoint, PlacesAnswer, TownshipCount, TrendAnswer, TrendInterval, TrendPoint } from '../../src/contracts/stats.js';
export type { Attachment, AssistPartView, Classification, Duplicate, OnSiteView, TicketEventView, TicketView } from '../../src/web/schemas/tickets.js';
export type {
  HandoverEvent,
  OperatorCallEvent as CallStateEvent,
  OperatorScreenPop as ScreenPop,
  TicketChanged as TicketChange,
} from '../../src/contracts/live.js';
