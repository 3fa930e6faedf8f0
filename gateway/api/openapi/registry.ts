/**
 * ApiDocs: the registry the OpenAPI 3.1 document is generated from. Each route group registers its
 * operations next to its handlers, with the same zod schemas it validates with, so the document
 * cannot drift from the code; webhooks (calls the gateway makes) are registered the same way.
 * Operations under /v1 and /ws are marked bearer-protected and get the 401/429 answers.
 */
import { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseDoc {
  /** What this answer means. */
  description: string;
  /** JSON body schema; omit for an empty body. */
  schema?: z.ZodType;
  /** Media type of the body. Default: application/json. */
  contentType?: string;
}

export interface OperationDoc {
  method: HttpMethod;
  /** Hono-style path: `/v1/calls/:call_id`. */
  path: string;
  /** One line for the operation list. */
  summary: string;
  /** Longer text (CommonMark). Default: none. */
  description?: string;
  /** Groups on the /docs page. Default: none. */
  tags?: string[];
  /** Path parameters (one key per `:name`). Default: none. */
  params?: z.ZodObject;
  /** Query parameters. Default: none. */
  query?: z.ZodObject;
  /** JSON request body. Default: none. */
  body?: z.ZodType;
  /** Answers by status. 401/429 are added for protected paths, 400 when there is a body. */
  responses: Record<number, ResponseDoc>;
}

export interface WebhookDoc {
  /** Key in the document's `webhooks` map, e.g. "incoming". */
  name: string;
  summary: string;
  description?: string;
  /** Path the gateway POSTs to, relative to the webhook URL ("/" or "/incoming"). */
  path: string;
  /** The JSON body the gateway sends. */
  body: z.ZodType;
  /** What the gateway expects back. */
  responses: Record<number, ResponseDoc>;
}

export interface ApiInfo {
  title: string;
  version: string;
  description?: string;
}

type Json = Record<string, unknown>;

export const errorSchema = z.object({ message: z.string() }).meta({ description: 'Every error answer' });
const ERROR_REF = { $ref: '#/components/schemas/Error' };
const isProtected = (path: string) => /^\/(v1|ws)(\/|$)/.test(path);

export class ApiDocs {
  readonly info: ApiInfo;
  #operations = new Map<string, OperationDoc>();
  #webhooks = new Map<string, WebhookDoc>();
  #cached: Json | undefined;

  constructor(info: ApiInfo = { title: 'Patchbay API', version: '1.0.0' }) {
    this.info = info;
  }

  /** Registers operations; a second registration of the same method and path is a programming error. */
  add(...ops: OperationDoc[]): this {
    for (const op of ops) {
      const key = `${op.method.toUpperCase()} ${op.path}`;
      if (this.#operations.has(key)) throw new Error(`OpenAPI: ${key} registered twice`);
      this.#operations.set(key, op);
    }
    this.#cached = undefined;
    return this;
  }

  addWebhook(...hooks: WebhookDoc[]): this {
    for (const h of hooks) {
      if (this.#webhooks.has(h.name)) throw new Error(`OpenAPI: webhook ${h.name} registered twice`);
      this.#webhooks.set(h.name, h);
    }
    this.#cached = undefined;
    return this;
  }

  /** The OpenAPI 3.1 document (built once per change). */
  document(): Json {
    return (this.#cached ??= this.#build());
  }

  #build(): Json {
    const paths: Record<string, Json> = {};
    const sorted = [...this.#operations.values()].sort((a, b) => a.path.localeCompare(b.path));
    for (const op of sorted) (paths[openApiPath(op.path)] ??= {})[op.method] = operation(op);
    const webhooks: Record<string, Json> = {};
    for (const h of this.#webhooks.values()) {
      webhooks[h.name] = {
        post: {
          summary: h.summary,
          ...(h.description && { description: `${h.description}\n\nPOSTed to {webhook_url}${h.path}.` }),
          operationId: `webhook_${h.name}`,
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(h.body, 'output') } } },
          responses: responses(h.responses),
        },
      };
    }
    return {
      openapi: '3.1.0',
      info: this.info,
      paths,
      webhooks,
      components: {
        schemas: { Error: jsonSchema(errorSchema, 'output') },
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'auth.api_key, when configured' } },
      },
    };
  }
}

function operation(op: OperationDoc): Json {
  const prot = isProtected(op.path);
  const extra: Record<number, ResponseDoc> = {};
  if (op.body) extra[400] = { description: 'Invalid JSON body or a field failed validation', schema: errorSchema };
  if (prot) {
    extra[401] = { description: 'Missing or invalid Authorization header', schema: errorSchema };
    extra[429] = { description: 'Too many requests (see Retry-After)', schema: errorSchema };
  }
  const parameters = [...parameterList(op.params, 'path'), ...parameterList(op.query, 'query')];
  return {
    summary: op.summary,
    ...(op.description && { description: op.description }),
    operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
    ...(op.tags && { tags: op.tags }),
    security: prot ? [{ bearerAuth: [] }] : [],
    ...(parameters.length > 0 && { parameters }),
    ...(op.body && { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } } }),
    responses: responses({ ...extra, ...op.responses }),
  };
}

function responses(rs: Record<number, ResponseDoc>): Json {
  const out: Json = {};
  for (const [status, r] of Object.entries(rs)) {
    const schema = r.schema === errorSchema ? ERROR_REF : r.schema && jsonSchema(r.schema, 'output');
    out[status] = { description: r.description, ...(schema && { content: { [r.contentType ?? 'application/json']: { schema } } }) };
  }
  return out;
}

function parameterList(obj: z.ZodObject | undefined, where: 'path' | 'query'): Json[] {
  if (!obj) return [];
  return Object.entries(obj.shape).map(([name, s]) => {
    const schema = jsonSchema(s as z.ZodType, 'input');
    const { description, ...rest } = schema;
    return { name, in: where, required: where === 'path' || !(s as z.ZodType).safeParse(undefined).success, ...(description !== undefined && { description }), schema: rest };
  });
}

/** Hono `:name` segments → OpenAPI `{name}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), without the `$schema` key. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}
