/**
 * Open311 GeoReport v2 as OpenAPI: named schemas for the bodies, parameters and answers of
 * src/web/routes/open311.ts. The XML variant (`.xml`) carries the same fields; OpenAPI describes
 * the JSON. Fields are those of http://wiki.open311.org/GeoReport_v2.
 */
import { Type } from 'typebox';

export const FormatEnum = Type.Enum(['json', 'xml'], { description: 'response format: the path ends in .json or .xml' });

const Time = (description: string) => Type.String({ description: `${description} (W3C, +08:00)`, examples: ['2026-11-26T10:00:00+08:00'] });
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

export const Open311Error = Type.Object(
  { code: Type.Integer({ description: 'the HTTP status' }), description: Type.String() },
  { $id: 'Open311Error', description: 'Open311 errors are the standard array [{code, description}] (XML: <errors><error>…), not the API’s {error:{code,message}}.' },
);
const ErrorList = Type.Array(Open311Error);
const ERROR_TEXT: Record<number, string> = {
  400: 'a parameter or field is missing or not valid',
  403: 'api_key missing or not valid',
  404: 'no such service, request, token or resource',
  413: 'the body is too large',
  415: 'the body is neither form-encoded nor JSON',
  429: 'too many requests from this address',
};
/** Open311's error answers for the given statuses. */
export const open311Errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { ...ErrorList, description: ERROR_TEXT[c] ?? 'error' }]));

export const Service = Type.Object(
  {
    service_code: Type.String({ description: 'stable code of the matter (the 职责清单 key), e.g. streetlight' }),
    service_name: Type.String({ description: 'the matter, e.g. 路灯损坏' }),
    description: Type.String(),
    metadata: Type.Boolean({ description: 'always false: no service asks for extra attributes' }),
    type: Type.Enum(['realtime', 'batch', 'blackbox']),
    keywords: Type.String({ description: 'comma-separated words a client may search by' }),
    group: Type.String({ description: 'the unit that owns the matter (热线派单 when the hotline dispatches by the text)' }),
  },
  { $id: 'Open311Service' },
);

export const ServiceDefinition = Type.Object({ service_code: Type.String(), attributes: Type.Array(Type.Any(), { maxItems: 0 }) }, { $id: 'Open311ServiceDefinition' });

export const ServiceRequest = Type.Object(
  {
    service_request_id: Type.String({ description: 'our ticket number, e.g. 20261126-0001' }),
    status: Type.Enum(['open', 'closed']),
    status_notes: Type.String(),
    service_name: Type.String(),
    service_code: Type.String(),
    description: Type.String({ description: 'in full for the filing client; masked (phone, ID numbers, names) for the public' }),
    agency_responsible: Type.String(),
    service_notice: Type.String(),
    requested_datetime: Time('when it was filed'),
    updated_datetime: Time('last change'),
    expected_datetime: Type.Union([Time('reply deadline'), Type.Null()]),
    address: Nullable(Type.String()),
    address_id: Nullable(Type.String()),
    zipcode: Type.Null(),
    lat: Nullable(Type.Number()),
    long: Nullable(Type.Number()),
    media_url: Nullable(Type.String()),
  },
  { $id: 'Open311ServiceRequest' },
);

export const CreatedRequest = Type.Object(
  { service_request_id: Type.String(), token: Type.String(), service_notice: Type.String(), account_id: Nullable(Type.String()) },
  { $id: 'Open311CreatedRequest' },
);

export const TokenLookup = Type.Object({ service_request_id: Type.String(), token: Type.String() }, { $id: 'Open311TokenLookup' });

export const Discovery = Type.Object(
  {
    changeset: Type.String(),
    contact: Type.String(),
    key_service: Type.String(),
    endpoints: Type.Array(Type.Object({ specification: Type.String(), url: Type.String(), changeset: Type.String(), type: Type.String(), formats: Type.Array(Type.String()) })),
  },
  { $id: 'Open311Discovery' },
);

const text = (description: string, maxLength = 4000) => Type.Optional(Type.String({ maxLength, description }));

/** GET requests: the standard's filters plus the page/page_size extension. */
export const ListRequestsQuery = Type.Object({
  api_key: text('the client’s key: its own requests in full (without it: the public board)', 200),
  service_request_id: text('comma-separated ids; all other parameters are then ignored', 2000),
  service_code: text('only this service', 64),
  start_date: text('W3C date-time, e.g. 2026-11-01T00:00:00+08:00 (default: 90 days before end_date)', 40),
  end_date: text('W3C date-time (default: now)', 40),
  status: text('open, closed or open,closed', 20),
  jurisdiction_id: text('accepted and ignored: one deployment serves one jurisdiction', 200),
  page: text('page number from 1 (extension)', 10),
  page_size: text('1–1000, default 1000 (extension); a Link header points at the next page', 10),
});

export const KeyQuery = Type.Object({ api_key: text('the client’s key (POST: here or in the body)', 200), jurisdiction_id: text('accepted and ignored', 200) });

/**
 * POST requests. Form-encoded per the standard, or JSON (numbers accepted for lat/long). The
 * handler checks what a schema cannot say: a location (lat & long, address_string or
 * address_id) is required, and both coordinates together.
 */
export const CreateRequestBody = Type.Object(
  {
    api_key: text('the client’s key (or in the query string)', 200),
    service_code: Type.String({ maxLength: 64, description: 'a service_code from services.json' }),
    description: Type.String({ maxLength: 20000, description: 'what the citizen reports (at most 4000 characters)' }),
    lat: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Number()], { description: 'WGS84 latitude; with long' })),
    long: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Number()], { description: 'WGS84 longitude; with lat' })),
    address_string: text('the place in words (instead of, or besides, lat/long)', 500),
    address_id: text('an address id of the client’s gazetteer', 200),
    email: text('the citizen’s e-mail', 200),
    device_id: text('the device that filed it', 200),
    account_id: text('the citizen’s account at the client', 200),
    first_name: text('given name', 100),
    last_name: text('family name', 100),
    phone: text('the citizen’s phone number, for the 回访', 40),
    media_url: text('an http(s) URL of a photo', 2000),
    jurisdiction_id: text('accepted and ignored', 200),
  },
  { $id: 'Open311NewRequest', description: 'application/x-www-form-urlencoded (the standard) or application/json' },
);
