/**
 * The answers of GET /stats/trend (三率 per week or month) and GET /stats/places (热点分布): TypeBox
 * schemas the routes answer with, the Static types application/supervision/trends.ts builds and the
 * console's board reads. Only the domain's constants besides TypeBox, so the console's build (no
 * Node types) can import it.
 */
import { Type, type Static } from 'typebox';
import { CATEGORIES, STATES } from '../domain/tickets/ticket.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const TREND_INTERVALS = ['week', 'month'] as const;
export type TrendInterval = (typeof TREND_INTERVALS)[number];

/** numerator / denominator; rate null: nothing was due (no figure rather than 0% or NaN) */
export const Ratio = Type.Object({ numerator: Type.Integer(), denominator: Type.Integer(), rate: Nullable(Type.Number()) });
export type Ratio = Static<typeof Ratio>;

export const TrendPoint = Type.Object({
  key: Type.String({ description: 'the first day of a week (2026-11-30) or a month (2026-11)' }),
  label: Type.String({ description: 'what the chart axis shows: 11-30 (the Monday) or 2026-11' }),
  from: Type.String(),
  to: Type.String(),
  current: Type.Boolean({ description: 'the running period, ending with today' }),
  accepted: Type.Integer(),
  response: Ratio,
  closing: Ratio,
  satisfaction: Ratio,
});
export type TrendPoint = Static<typeof TrendPoint>;

export const TrendAnswer = Type.Object({
  interval: Type.Enum([...TREND_INTERVALS]),
  unit: Nullable(Type.String()),
  points: Type.Array(TrendPoint),
});
export type TrendAnswer = Static<typeof TrendAnswer>;

/** A ticket created in the period that carries coordinates. */
export const PlacePoint = Type.Object({
  id: Type.String(),
  number: Type.String(),
  lat: Type.Number(),
  lng: Type.Number(),
  source: Type.String(),
  township: Nullable(Type.String()),
  place: Nullable(Type.String()),
  category: Type.Enum([...CATEGORIES]),
  channel: Type.String(),
  state: Type.Enum([...STATES]),
  unit: Nullable(Type.String()),
  createdAt: Type.String(),
  summary: Type.String({ description: 'the first 40 characters of the request' }),
});
export type PlacePoint = Static<typeof PlacePoint>;

export const TownshipCount = Type.Object({ township: Type.String(), accepted: Type.Integer() });
export type TownshipCount = Static<typeof TownshipCount>;

export const PlacesAnswer = Type.Object({
  period: Type.Object({ from: Type.String(), to: Type.String() }),
  /** 受理量 per township, most first */
  townships: Type.Array(TownshipCount),
  points: Type.Array(PlacePoint),
  /** tickets created in the period, located or not */
  total: Type.Integer(),
  /** the map tiles setting (SUBAN_MAP_TILES_URL); null: no tiles, the plain background */
  tiles: Nullable(Type.Object({ url: Type.String(), attribution: Type.String() })),
});
export type PlacesAnswer = Static<typeof PlacesAnswer>;
